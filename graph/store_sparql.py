"""``sparql:QUERY_URL;update=UPDATE_URL``: any SPARQL 1.1 Query + Update server.

For deployments that outgrow one machine: Oxigraph server, Virtuoso, Fuseki, GraphDB. Queries
go over the SPARQL 1.1 Protocol, writes over SPARQL 1.1 Update. The server must make its
default graph the union of its named graphs (Virtuoso and GraphDB do; start Oxigraph with
``oxigraph serve --union-default-graph``; Fuseki with ``tdb2:unionDefaultGraph true``); the
first write checks this and says what to change when it does not hold.

How a document graph is replaced: its triples go into a private staging graph, in chunks, and
one final ``MOVE`` puts every staging graph onto its target. When everything fits in one
request (the usual case: a document is a few thousand triples), staging and moving are that
single request. A write that fails part-way (server gone, request refused) therefore never
leaves a target graph half-written: only a staging graph, which is dropped. What readers see
*during* the request depends on the server:

- Oxigraph runs each update request in one transaction: readers see the graph before or after.
- Virtuoso 7.2 does not isolate SPARQL updates from concurrent queries: a reader counting a
  graph while a ``MOVE`` replaced it saw intermediate counts (with ``DefaultIsolation`` 2; with
  4 the writer deadlocks instead, and is retried here). On Virtuoso, a reader may see a document
  half-replaced, or its staged copy in the union, while the request runs (well under a second
  for a document).

A write bigger than one request spans requests; its staging graphs (``urn:policykg:staging:…``)
are then visible in the union while it runs, and are never listed as graphs of the store.

Server quirks handled here (each was observed on a real server, see tests/graph/test_store.py):

- Virtuoso 7.2 refuses blank nodes in ``INSERT DATA``: triples with blank nodes are written
  with ``INSERT { … } WHERE {}`` instead, each blank-node-connected group in one operation
  (a blank node label is scoped to one operation).
- Virtuoso's parser runs out of memory on an ``INSERT DATA`` of a few thousand triples: data is
  sent in operations of :attr:`SparqlStore.chunk_triples` triples, and a request the server
  still finds too big (its code-vector and SQL-length limits) is sent again in halves.
- With ``MaxQueryCostEstimationTime`` set (Debian's default ``virtuoso.ini`` has 400), Virtuoso
  7.2 costs every update operation and writes become about a hundred times slower; leave it
  unset on a server that policykg writes to.
- Virtuoso answers ``ASK`` with a one-row table (``__ASK_RETVAL``) and writes booleans as
  ``"1"`` in JSON: from Virtuoso, results are fetched as XML and converted.
- Virtuoso names blank nodes ``nodeID://b123`` in results, which is not a legal label.
- Virtuoso cuts results at ``ResultSetMaxRows`` (10 000 by default), saying so only in an
  ``X-SPARQL-MaxRows`` header for SELECT and not at all for CONSTRUCT: internal reads (graph
  lists, dumps) page with ``ORDER BY … LIMIT … OFFSET``, and a cut answer is flagged truncated.
- Virtuoso refuses ``GRAPH ?g {}``: graphs are listed with ``GRAPH ?g { ?s ?p ?o }``.
- Virtuoso takes updates at ``/sparql-auth`` behind HTTP Digest authentication; the scheme
  (Digest or Basic) is taken from the server's challenge.

HTTP goes through ``requests`` (one session per thread, for connection reuse and thread-safe
Digest state) rather than SPARQLWrapper, which installs a process-wide urllib opener for
Digest authentication, guesses the query form with a regular expression and adds non-standard
``format`` parameters; here the raw bytes, the media type and the headers of each answer are
needed. A server that is down gives :class:`StoreUnavailableError`; nothing is cached about
it, so the next call after it comes back simply works.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import pyoxigraph as ox
import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from graph.errors import (
    ConfigError,
    GraphError,
    QuerySyntaxError,
    QueryTimeoutError,
    StoreUnavailableError,
)
from graph.results import (
    RDF_FORMATS,
    choose_media_type,
    serialize_boolean,
    serialize_solutions,
    serialize_triples,
)
from graph.sparql_text import QUERY_FORMS, operation_form
from graph.store import (
    NQUADS,
    NTRIPLES,
    RESULT_MEDIA_TYPES,
    SRJ,
    SRX,
    TRIG,
    TURTLE,
    DatasetSpec,
    QueryResult,
    Store,
    StoreSpec,
)

log = logging.getLogger(__name__)

STAGING_PREFIX = "urn:policykg:staging:"
"""Graphs under this prefix are a writer's scratch space, never part of the store's content."""

SYSTEM_GRAPH_PREFIXES: tuple[str, ...] = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/",
    "http://localhost:8890/",
    "http://www.openlinksw.com/",
)
"""Graphs a Virtuoso database holds for itself from the start; not listed as store graphs."""

_CONTENT_TYPES_RESULTS = {SRJ: ox.QueryResultsFormat.JSON, SRX: ox.QueryResultsFormat.XML}
_CONTENT_TYPES_RDF = {m: fmt for m, fmt in RDF_FORMATS.items() if m not in (NQUADS, TRIG)}
_VIRTUOSO_BNODE = re.compile(rb"<bnode>nodeID://")
_DEADLOCK = re.compile(r"40001|SR172|deadlock", re.IGNORECASE)
_TOO_BIG = re.compile(r"SQ199|code vector|SQL text has exceeded|memory exhausted", re.IGNORECASE)
_ERROR_TAIL = re.compile(r"\n\s*SPARQL (?:query|request):.*", re.DOTALL)


def query_form(sparql: str) -> str | None:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the keyword after the prologue.

    Servers need it to negotiate (Virtuoso answers 406 to an Accept header that mixes result
    and RDF types for a CONSTRUCT). ``None`` when the text does not start like a query; the
    server then says what is wrong with it.
    """
    form = operation_form(sparql)
    return form if form in QUERY_FORMS else None


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    media_type: str
    body: bytes
    headers: Mapping[str, str]


def _nt(term: Any) -> str:
    """A term in the N-Triples syntax, which SPARQL reads as is."""
    return str(term)


def _lines(triples: Iterable[ox.Triple]) -> str:
    """Triples as N-Triples lines, to put inside a ``GRAPH <g> { … }`` block."""
    return "\n".join(f"{_nt(t.subject)} {_nt(t.predicate)} {_nt(t.object)} ." for t in triples)


def _has_bnode(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def _bnode_groups(triples: Sequence[ox.Triple]) -> list[list[ox.Triple]]:
    """Triples that mention blank nodes, grouped so that no blank node spans two groups."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for t in triples:
        ids = [n.value for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)]
        for other in ids[1:]:
            parent[find(other)] = find(ids[0])
        if ids:
            find(ids[0])
    groups: dict[str, list[ox.Triple]] = {}
    for t in triples:
        node = t.subject if isinstance(t.subject, ox.BlankNode) else t.object
        groups.setdefault(find(node.value), []).append(t)
    return list(groups.values())


class SparqlStore(Store):
    """A remote SPARQL 1.1 server (see the module docstring for what is guaranteed)."""

    chunk_triples = 500
    """Triples per ``INSERT DATA`` operation (Virtuoso's parser fails at a few thousand)."""
    request_triples = 20_000
    """Triples per update request; a bigger write stages in several requests."""
    page_size = 10_000
    """Rows per page when reading everything (Virtuoso's default result cap)."""

    def __init__(self, spec: StoreSpec, *, timeout: float = 300.0) -> None:
        if not spec.query_url:
            raise ConfigError("a sparql: store needs a query URL: sparql:http://host/sparql")
        self.spec = spec
        self.query_url = spec.query_url
        self.update_url = spec.update_url
        self.timeout = timeout
        self._local = threading.local()
        self._auth: AuthBase | None = None
        self._server: str | None = None
        self._writes = 0
        self._union_checked = False
        self._cap = 10_000  # Virtuoso's default ResultSetMaxRows, corrected by its headers
        self._lock = threading.Lock()

    # -- HTTP ----------------------------------------------------------------

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = "policykg"
            self._local.session = session
        return session

    def _choose_auth(self, answer: requests.Response) -> AuthBase | None:
        if not (self.spec.user and self.spec.password):
            return None
        challenge = answer.headers.get("WWW-Authenticate", "").lower()
        if challenge.startswith("digest"):
            return HTTPDigestAuth(self.spec.user, self.spec.password)
        return HTTPBasicAuth(self.spec.user, self.spec.password)

    def _post(
        self,
        url: str,
        data: Mapping[str, Any],
        *,
        accept: str = "*/*",
        timeout: float | None = None,
        retry: bool = True,
    ) -> _Answer:
        """POST a form and return the answer; map transport failures to our errors.

        Raises:
            StoreUnavailableError: the server cannot be reached, refuses us, or failed.
            QueryTimeoutError: no answer within ``timeout`` seconds.
            QuerySyntaxError: the server says the request is malformed (HTTP 400).
        """
        wait = self.timeout if timeout is None else timeout
        session = self._session()
        for attempt in (1, 2):
            try:
                response = session.post(
                    url,
                    data=data,
                    headers={"Accept": accept},
                    auth=self._auth,
                    timeout=(min(10.0, wait), wait),
                )
                if response.status_code == 401 and self._auth is None:
                    auth = self._choose_auth(response)
                    if auth is not None:
                        self._auth = auth
                        response = session.post(
                            url,
                            data=data,
                            headers={"Accept": accept},
                            auth=auth,
                            timeout=(min(10.0, wait), wait),
                        )
            except requests.Timeout as exc:
                if isinstance(exc, requests.ConnectTimeout):
                    raise self._unreachable(url, exc) from exc
                raise QueryTimeoutError(
                    f"the SPARQL server at {url} did not answer within {wait:g} s"
                ) from exc
            except requests.ConnectionError as exc:
                # A pooled connection the server closed while restarting fails once: retry.
                if retry and attempt == 1:
                    session.close()
                    continue
                raise self._unreachable(url, exc) from exc
            break
        if self._server is None:
            self._server = response.headers.get("Server", "").lower()
        media = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        answer = _Answer(response.status_code, media, response.content, response.headers)
        if response.status_code >= 300:
            self._raise_for(url, answer)
        return answer

    def _unreachable(self, url: str, exc: Exception) -> StoreUnavailableError:
        reason = str(exc).split("(Caused by ", 1)[-1].rstrip(")") if str(exc) else type(exc)
        return StoreUnavailableError(
            f"cannot reach the SPARQL server at {url} ({reason}); check that it is running "
            "and that POLICYKG_STORE names it"
        )

    def _raise_for(self, url: str, answer: _Answer) -> None:
        text = answer.body.decode("utf-8", "replace").strip()
        text = _ERROR_TAIL.sub("", text)[:600]
        if answer.status == 400:
            raise QuerySyntaxError(text or "the SPARQL server refused the request as malformed")
        if answer.status in (401, 403):
            who = f"user {self.spec.user!r}" if self.spec.user else "no credentials"
            raise StoreUnavailableError(
                f"the SPARQL server at {url} refused {who} (HTTP {answer.status}); "
                "give a user allowed to update in POLICYKG_STORE (…;user=U;password=P)"
            )
        if answer.status == 404:
            raise StoreUnavailableError(
                f"no SPARQL endpoint at {url} (HTTP 404); check the URL in POLICYKG_STORE"
            )
        if answer.status in (408, 504):
            raise QueryTimeoutError(f"the SPARQL server at {url} gave up (HTTP {answer.status})")
        raise StoreUnavailableError(
            f"the SPARQL server at {url} failed (HTTP {answer.status}): {text or 'no message'}"
        )

    @property
    def is_virtuoso(self) -> bool:
        """Whether the server announced itself as Virtuoso (asks once)."""
        if self._server is None:
            self._post(self.query_url, {"query": "ASK { ?s ?p ?o }"}, accept=f"{SRX}, {SRJ}")
        return "virtuoso" in (self._server or "")

    # -- queries -------------------------------------------------------------

    def _accept(self, wanted: str | None, form: str | None = "SELECT") -> str:
        """The Accept header: the caller's type first when we can read it, then our fallbacks."""
        if self.is_virtuoso:
            results = [SRX]  # its JSON writes ASK as a table and booleans as "1"
        else:
            results = [wanted] if wanted in _CONTENT_TYPES_RESULTS else []
            results += [m for m in (SRJ, SRX) if m not in results]
        graphs = [wanted] if wanted in _CONTENT_TYPES_RDF else []
        graphs += [m for m in (NTRIPLES, TURTLE) if m not in graphs]
        if form in ("SELECT", "ASK"):
            types = results
        elif form in ("CONSTRUCT", "DESCRIBE"):
            types = graphs
        else:
            types = [*results, *graphs]
        return ", ".join(
            t if i == 0 else f"{t};q={max(0.1, 1 - i / 10):.1f}" for i, t in enumerate(types)
        )

    def _send_query(
        self, sparql: str, dataset: DatasetSpec | None, accept: str, timeout: float | None
    ) -> _Answer:
        data: dict[str, Any] = {"query": sparql}
        if dataset is not None and not dataset.is_default:
            data["default-graph-uri"] = list(dataset.default_graphs)
            data["named-graph-uri"] = list(dataset.named_graphs)
        return self._post(self.query_url, data, accept=accept, timeout=timeout)

    def query(
        self,
        sparql: str,
        *,
        accept: Sequence[str] = (),
        dataset: DatasetSpec | None = None,
        max_rows: int | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """Run the query on the server (see :meth:`Store.query`).

        The server is asked for the negotiated media type; its bytes are passed on when they
        are in that type, within ``max_rows``, and not from a server whose output needs fixing
        (Virtuoso); otherwise they are read and written again by :mod:`graph.results`.
        """
        form = query_form(sparql)
        if form is None:
            wanted = _first_fit("solutions", accept) or _first_fit("graph", accept)
        else:
            # Refuse before running when no type the caller takes fits this kind of result.
            kind = {"CONSTRUCT": "graph", "DESCRIBE": "graph", "ASK": "boolean"}.get(
                form, "solutions"
            )
            wanted = choose_media_type(kind, accept)  # type: ignore[arg-type]
        answer = self._send_query(sparql, dataset, self._accept(wanted, form), timeout)
        return self._convert(answer, accept, max_rows)

    def _convert(
        self, answer: _Answer, accept: Sequence[str], max_rows: int | None
    ) -> QueryResult:
        server_cap = answer.headers.get("X-SPARQL-MaxRows")
        capped = server_cap is not None
        if server_cap and server_cap.isdigit():
            self._cap = int(server_cap)
        if answer.media_type in _CONTENT_TYPES_RDF:
            media = choose_media_type("graph", accept)
            triples = self._parse_triples(answer)
            cut = capped or self._hit_cap(len(triples))
            if (
                answer.media_type == media
                and (max_rows is None or len(triples) <= max_rows)
            ):
                return QueryResult("graph", answer.body, media, truncated=cut)
            body, over = serialize_triples(triples, media, max_rows)
            return QueryResult("graph", body, media, truncated=cut or over)
        parsed = self._parse_results(answer)
        if isinstance(parsed, ox.QueryBoolean):
            media = choose_media_type("boolean", accept)
            return self._boolean(bool(parsed), media, answer)
        variables = [v.value for v in parsed.variables]
        if variables == ["__ASK_RETVAL"]:  # Virtuoso's answer to ASK
            rows = list(parsed)
            value = bool(rows) and rows[0]["__ASK_RETVAL"].value not in ("0", "false")
            return self._boolean(value, choose_media_type("boolean", accept), answer)
        media = choose_media_type("solutions", accept)
        if answer.media_type == media and not self.is_virtuoso:
            count = sum(1 for _ in parsed)
            if max_rows is None or count <= max_rows:
                return QueryResult(
                    "solutions", answer.body, media, truncated=capped, rows=count
                )
            parsed = self._parse_results(answer)
        body, cut, count = serialize_solutions(variables, parsed, media, max_rows)
        return QueryResult("solutions", body, media, truncated=cut or capped, rows=count)

    def _boolean(self, value: bool, media: str, answer: _Answer) -> QueryResult:
        if answer.media_type == media and not self.is_virtuoso:
            return QueryResult("boolean", answer.body, media)
        return QueryResult("boolean", serialize_boolean(value, media), media)

    def _hit_cap(self, count: int) -> bool:
        # Virtuoso cuts CONSTRUCT answers silently at its row cap.
        return self.is_virtuoso and count >= self._cap

    def _parse_results(self, answer: _Answer) -> ox.QuerySolutions | ox.QueryBoolean:
        fmt = _CONTENT_TYPES_RESULTS.get(answer.media_type)
        if fmt is None:
            raise StoreUnavailableError(
                f"the SPARQL server answered in {answer.media_type or 'no media type'}, "
                "not in SPARQL results JSON or XML"
            )
        body = answer.body
        if fmt == ox.QueryResultsFormat.XML and b"nodeID://" in body:
            body = _VIRTUOSO_BNODE.sub(b"<bnode>", body)
        try:
            return ox.parse_query_results(body, format=fmt)
        except SyntaxError as exc:
            raise StoreUnavailableError(
                f"the SPARQL server sent unreadable results: {exc}"
            ) from exc

    def _parse_triples(self, answer: _Answer) -> list[ox.Triple]:
        try:
            return [
                q.triple
                for q in ox.parse(answer.body, format=_CONTENT_TYPES_RDF[answer.media_type])
            ]
        except SyntaxError as exc:
            raise StoreUnavailableError(f"the SPARQL server sent unreadable RDF: {exc}") from exc

    def _select_all(self, sparql: str, order: str) -> Iterator[ox.QuerySolution]:
        """Every solution of ``sparql`` (a SELECT without modifiers), despite result caps.

        One unordered request answers when everything fits in a page (the usual case: a
        document graph). Otherwise pages are read in a total order: ``ORDER BY … LIMIT …
        OFFSET …``, or for Virtuoso, which refuses to sort past its cap, the order inside a
        subquery and the paging outside, as its documentation advises.
        """
        page = self.page_size
        first = self._select_page(f"{sparql}\nLIMIT {page}")
        if first is not None and len(first) < page:
            yield from first
            return
        offset = 0
        while True:
            if self.is_virtuoso:
                text = f"SELECT * WHERE {{ {{ {sparql} ORDER BY {order} }} }}"
            else:
                text = f"{sparql}\nORDER BY {order}"
            got = self._select_page(f"{text}\nLIMIT {page}\nOFFSET {offset}")
            if got is None:  # the server cut below our page size: it told us its cap
                page = self.page_size = self._cap
                offset = 0
                log.info("the SPARQL server caps results at %s rows; paging with that", page)
                continue
            yield from got
            if len(got) < page:
                return
            offset += page

    def _select_page(self, text: str) -> list[ox.QuerySolution] | None:
        """The solutions of one page, or None when the server cut them at its own cap."""
        answer = self._send_query(text, None, self._accept(SRX), None)
        rows = self._parse_results(answer)
        if isinstance(rows, ox.QueryBoolean):
            raise StoreUnavailableError("the SPARQL server answered a SELECT with a boolean")
        got = list(rows)
        cap = answer.headers.get("X-SPARQL-MaxRows")
        if cap and cap.isdigit() and int(cap) <= len(got) and int(cap) < self.page_size:
            self._cap = int(cap)
            return None
        return got

    # -- writes --------------------------------------------------------------

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update request on the server.

        Raises:
            QuerySyntaxError: the server refused the update as malformed.
            StoreUnavailableError: no update URL is configured, or the server failed.
        """
        if not self.update_url:
            raise StoreUnavailableError(
                f"the store {self.query_url} has no update URL; add ;update=URL to POLICYKG_STORE"
            )
        self._post(self.update_url, {"update": sparql}, accept="text/plain, */*;q=0.1",
                   retry=False)
        with self._lock:
            self._writes += 1

    def _insert_ops(self, graph: str, triples: Sequence[ox.Triple]) -> Iterator[tuple[int, str]]:
        """Update operations that add ``triples`` to ``graph``, with the triples each holds."""
        plain = [t for t in triples if not _has_bnode(t)]
        for i in range(0, len(plain), self.chunk_triples):
            chunk = plain[i : i + self.chunk_triples]
            yield len(chunk), f"INSERT DATA {{ GRAPH <{graph}> {{\n{_lines(chunk)}\n}} }}"
        batch: list[ox.Triple] = []
        for group in _bnode_groups([t for t in triples if _has_bnode(t)]):
            batch.extend(group)
            if len(batch) >= self.chunk_triples:
                yield len(batch), self._template_insert(graph, batch)
                batch = []
        if batch:
            yield len(batch), self._template_insert(graph, batch)

    @staticmethod
    def _template_insert(graph: str, triples: Sequence[ox.Triple]) -> str:
        return f"INSERT {{ GRAPH <{graph}> {{\n{_lines(triples)}\n}} }} WHERE {{}}"

    def replace_graphs(self, graphs: Mapping[str, Iterable[ox.Triple]]) -> None:
        """Replace named graphs through staging graphs and one final ``MOVE`` request.

        A server that finds a request too big to compile (Virtuoso's code-vector and SQL-length
        limits depend on its configuration) gets the same write again in smaller pieces.

        Raises:
            StoreUnavailableError: the server cannot be written.
        """
        listed = {iri: list(triples) for iri, triples in graphs.items()}
        deadlocks = 0
        while True:
            token = secrets.token_hex(6)
            try:
                self._replace_once(listed, token)
                return
            except (StoreUnavailableError, QuerySyntaxError) as exc:
                self._drop_staging(token)
                if _DEADLOCK.search(str(exc)) and deadlocks < 3:
                    deadlocks += 1
                    time.sleep(0.2 * deadlocks)
                    continue
                if not _TOO_BIG.search(str(exc)) or self.chunk_triples <= 25:
                    raise
                self.chunk_triples = max(25, self.chunk_triples // 2)
                self.request_triples = max(self.chunk_triples, self.request_triples // 2)
                log.warning(
                    "the SPARQL server found an update too big (%s); retrying with %d triples "
                    "per operation and %d per request",
                    str(exc).splitlines()[0][:120],
                    self.chunk_triples,
                    self.request_triples,
                )

    def _replace_once(self, graphs: Mapping[str, list[ox.Triple]], token: str) -> None:
        batches: list[list[str]] = [[]]
        size = 0
        finals: list[str] = []
        probe: ox.Triple | None = None
        for n, (iri, listed) in enumerate(graphs.items()):
            if not listed:
                finals.append(f"DROP SILENT GRAPH <{iri}>")
                continue
            probe = probe or next((t for t in listed if not _has_bnode(t)), None)
            stage = f"{STAGING_PREFIX}{token}:{n}"
            for count, op in self._insert_ops(stage, listed):
                if size and size + count > self.request_triples:
                    batches.append([])
                    size = 0
                batches[-1].append(op)
                size += count
            finals.append(f"MOVE SILENT GRAPH <{stage}> TO GRAPH <{iri}>")
        batches[-1].extend(finals)
        for ops in batches:
            if ops:
                self.update(" ;\n".join(ops))
        if probe is not None and not self._union_checked:
            self._check_union_default(probe)

    def append_graph(self, iri: str, data: bytes) -> None:
        """Add N-Triples to a named graph, in requests of :attr:`request_triples` triples.

        Not atomic for readers: callers that need that append to a staging graph and move it.
        """
        triples = [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
        batch: list[str] = []
        size = 0
        for count, op in self._insert_ops(iri, triples):
            if size and size + count > self.request_triples:
                self.update(" ;\n".join(batch))
                batch, size = [], 0
            batch.append(op)
            size += count
        if batch:
            self.update(" ;\n".join(batch))

    def _drop_staging(self, token: str) -> None:
        try:
            for name in self._all_graphs():
                if name.startswith(f"{STAGING_PREFIX}{token}:"):
                    self.update(f"DROP SILENT GRAPH <{name}>")
        except GraphError:
            log.warning("could not remove the staging graphs %s%s:*", STAGING_PREFIX, token)

    def _check_union_default(self, probe: ox.Triple) -> None:
        pattern = f"{_nt(probe.subject)} {_nt(probe.predicate)} {_nt(probe.object)}"
        if not self.ask(f"ASK {{ {pattern} }}"):
            raise ConfigError(
                f"the SPARQL server at {self.query_url} does not query the union of its named "
                "graphs by default, so the data just written is invisible to queries; configure "
                "it so (oxigraph serve --union-default-graph; Fuseki: tdb2:unionDefaultGraph "
                "true)"
            )
        self._union_checked = True

    def drop_graph(self, iri: str) -> bool:
        """Drop a named graph; return whether it held triples."""
        existed = self.ask(f"ASK {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
        if existed:
            self.update(f"DROP SILENT GRAPH <{iri}>")
        return existed

    # -- reads ---------------------------------------------------------------

    def _all_graphs(self) -> list[str]:
        if self.is_virtuoso:
            pattern = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        else:
            pattern = "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"
        return [
            row["g"].value
            for row in self._select_all(pattern, "?g")
            if isinstance(row["g"], ox.NamedNode)
        ]

    def graph_names(self) -> list[str]:
        """Named graphs holding triples, without the server's own and staging graphs."""
        return sorted(
            g
            for g in self._all_graphs()
            if not g.startswith((STAGING_PREFIX, *SYSTEM_GRAPH_PREFIXES))
        )

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad of one graph, or of every graph of :meth:`graph_names`, page by page."""
        for name in [graph] if graph else self.graph_names():
            node = ox.NamedNode(name)
            rows = self._select_all(
                f"SELECT ?s ?p ?o WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}", "?s ?p ?o"
            )
            for row in rows:
                yield ox.Quad(row["s"], row["p"], row["o"], node)

    def dump(self, out: BinaryIO, media_type: str = NQUADS) -> None:
        """Write every quad of the store's graphs (N-Quads or TriG)."""
        fmt = RDF_FORMATS[media_type if media_type in (NQUADS, TRIG) else NQUADS]
        ox.serialize(self.quads(), out, format=fmt)

    def count_triples(self) -> int:
        """Triples in the store's graphs (the server's own graphs are not counted)."""
        skip = " || ".join(f'STRSTARTS(STR(?g), "{p}")' for p in SYSTEM_GRAPH_PREFIXES)
        rows = self.select(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            f'FILTER(!({skip} || STRSTARTS(STR(?g), "{STAGING_PREFIX}"))) }}'
        )
        return int(rows[0]["n"]["value"]) if rows else 0

    def version(self) -> str:
        """Changes with every write made here, and every 10 s for writes made elsewhere."""
        return f"sparql-{self._writes}-{int(time.time() // 10)}"

    def close(self) -> None:
        """Close this thread's HTTP connections."""
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()
            self._local.session = None


def _first_fit(kind: str, accept: Sequence[str]) -> str | None:
    try:
        return choose_media_type(kind, accept)  # type: ignore[arg-type]
    except GraphError:
        return None


__all__ = ["RESULT_MEDIA_TYPES", "SYSTEM_GRAPH_PREFIXES", "SparqlStore"]
