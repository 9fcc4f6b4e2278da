"""Serialise query answers from Oxigraph terms, with a row limit, and pick result media types.

Oxigraph serialises a whole solution sequence natively, but cannot stop after N rows; the
endpoint promises a row cap, so capped SELECT results are written here (SPARQL 1.1 Query
Results JSON, XML, CSV and TSV, as the W3C specs give them). Graph results are cut by
iterating triples and handing them to Oxigraph's own serialiser.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from graph.errors import NotAcceptableError
from graph.store import (
    CSV,
    JSONLD,
    NQUADS,
    NTRIPLES,
    RDFXML,
    RESULT_MEDIA_TYPES,
    SRJ,
    SRX,
    TRIG,
    TSV,
    TURTLE,
    ResultKind,
)

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

RDF_FORMATS: dict[str, ox.RdfFormat] = {
    TURTLE: ox.RdfFormat.TURTLE,
    NTRIPLES: ox.RdfFormat.N_TRIPLES,
    JSONLD: ox.RdfFormat.JSON_LD,
    RDFXML: ox.RdfFormat.RDF_XML,
    NQUADS: ox.RdfFormat.N_QUADS,
    TRIG: ox.RdfFormat.TRIG,
}
RESULTS_FORMATS: dict[str, ox.QueryResultsFormat] = {
    SRJ: ox.QueryResultsFormat.JSON,
    SRX: ox.QueryResultsFormat.XML,
    CSV: ox.QueryResultsFormat.CSV,
    TSV: ox.QueryResultsFormat.TSV,
}


def choose_media_type(kind: ResultKind, accept: Sequence[str]) -> str:
    """The first media type of ``accept`` that a result of ``kind`` can be written in.

    ``accept`` is the client's list, best first (already ordered by q-value); ``*/*`` and
    ``type/*`` match the kind's default. An empty list means the default.

    Raises:
        NotAcceptableError: nothing in ``accept`` fits.
    """
    offered = RESULT_MEDIA_TYPES[kind]
    if not accept:
        return offered[0]
    for wanted in accept:
        wanted = wanted.split(";", 1)[0].strip().lower()
        if wanted in offered:
            return wanted
        if wanted == "*/*":
            return offered[0]
        if wanted.endswith("/*"):
            major = wanted[:-1]
            for media in offered:
                if media.startswith(major):
                    return media
        # Common aliases clients send.
        alias = _ALIASES.get(wanted)
        if alias in offered:
            return alias
    raise NotAcceptableError(kind, list(offered))


_ALIASES = {
    "application/json": SRJ,
    "application/sparql-results+json": SRJ,
    "application/xml": SRX,
    "text/xml": SRX,
    "application/x-turtle": TURTLE,
    "text/plain": NTRIPLES,
    "text/n3": TURTLE,
    "application/json-ld": JSONLD,
    "application/x-trig": TRIG,
}


def _cut(items: Iterable[object], limit: int | None, flag: list[bool]) -> Iterator[object]:
    for n, item in enumerate(items):
        if limit is not None and n >= limit:
            flag.append(True)
            return
        yield item


def serialize_triples(
    triples: Iterable[ox.Triple], media_type: str, limit: int | None = None
) -> tuple[bytes, bool]:
    """Write triples with Oxigraph's serialiser, stopping after ``limit``; return (bytes, cut)."""
    flag: list[bool] = []
    fmt = RDF_FORMATS[media_type]
    if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        items: Iterable[object] = (
            ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
            for t in _cut(triples, limit, flag)  # type: ignore[attr-defined]
        )
    else:
        items = _cut(triples, limit, flag)
    body = ox.serialize(items, format=fmt)  # type: ignore[arg-type]
    return body or b"", bool(flag)


def _srj_term(term: object) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {  # type: ignore[dict-item]
                "subject": _srj_term(term.subject),
                "predicate": _srj_term(term.predicate),
                "object": _srj_term(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


def _plain(term: object) -> str:
    """The CSV form of a term: IRIs and literals as their lexical value, blank nodes as _:x."""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _xml_term(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            dt = quoteattr(term.datatype.value)
            return f"<literal datatype={dt}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def serialize_solutions(
    variables: Sequence[str],
    solutions: Iterable[ox.QuerySolution],
    media_type: str,
    limit: int | None = None,
) -> tuple[bytes, bool, int]:
    """Write SELECT solutions in one of the four W3C result formats.

    Returns:
        (body, truncated, rows written).
    """
    flag: list[bool] = []
    rows = _cut(solutions, limit, flag)
    count = 0
    if media_type == SRJ:
        bindings = []
        for sol in rows:
            row = {}
            for var in variables:
                term = sol[var]  # type: ignore[index]
                if term is not None:
                    row[var] = _srj_term(term)
            bindings.append(row)
        count = len(bindings)
        doc = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    elif media_type == SRX:
        buf = io.StringIO()
        buf.write('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">')
        buf.write("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in variables))
        buf.write("</head><results>")
        for sol in rows:
            count += 1
            buf.write("<result>")
            for var in variables:
                term = sol[var]  # type: ignore[index]
                if term is not None:
                    buf.write(f"<binding name={quoteattr(var)}>{_xml_term(term)}</binding>")
            buf.write("</result>")
        buf.write("</results></sparql>\n")
        body = buf.getvalue().encode()
    elif media_type == CSV:
        lines = [",".join(_csv_field(v) for v in variables)]
        for sol in rows:
            count += 1
            lines.append(
                ",".join(
                    "" if (t := sol[v]) is None else _csv_field(_plain(t))  # type: ignore[index]
                    for v in variables
                )
            )
        body = ("\r\n".join(lines) + "\r\n").encode()
    elif media_type == TSV:
        lines = ["\t".join(f"?{v}" for v in variables)]
        for sol in rows:
            count += 1
            lines.append(
                "\t".join(
                    "" if (t := sol[v]) is None else str(t)  # type: ignore[index]
                    for v in variables
                )
            )
        body = ("\n".join(lines) + "\n").encode()
    else:
        raise NotAcceptableError("solutions", list(RESULT_MEDIA_TYPES["solutions"]))
    return body, bool(flag), count


_MIN_ROW_BYTES = {SRJ: 3, CSV: 2}
"""Fewest bytes one more row adds to Oxigraph's output: ``{},`` in JSON, ``\\r\\n`` in CSV."""
COUNT_BELOW = 64 * 1024
"""JSON and CSV answers up to this size are parsed to count their rows (well under a
millisecond); larger ones only when they might pass the row cap."""


def count_rows(body: bytes, media_type: str, cap: int | None = None) -> int | None:
    """The number of solutions in an answer Oxigraph serialised, or None when counting it
    would cost more than it is worth and cannot matter.

    Exact whenever it is not None. TSV writes one line per row (it escapes newlines) and XML one
    ``<result>`` per row (it escapes ``<`` in text), so those are always counted. JSON and CSV
    are parsed when short (:data:`COUNT_BELOW`) or long enough to hold more than ``cap`` rows;
    a body in between cannot pass the cap, so its count is left out.
    """
    if media_type == TSV:
        return body.count(b"\n") - 1
    if media_type == SRX:
        return body.count(b"<result>")
    might_pass = cap is not None and len(body) >= _MIN_ROW_BYTES.get(media_type, 1) * (cap + 1) - 1
    if len(body) > COUNT_BELOW and not might_pass:
        return None
    if media_type == SRJ:
        return len(json.loads(body)["results"]["bindings"])
    import csv

    return sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) - 1


def serialize_boolean(value: bool, media_type: str) -> bytes:
    """Write an ASK answer."""
    if media_type == SRJ:
        return json.dumps({"head": {}, "boolean": value}).encode()
    if media_type == SRX:
        word = "true" if value else "false"
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{word}</boolean></sparql>\n"
        ).encode()
    if media_type == CSV:
        return f"_askResult\r\n{'true' if value else 'false'}\r\n".encode()
    if media_type == TSV:
        return f"?_askResult\n{'true' if value else 'false'}\n".encode()
    raise NotAcceptableError("boolean", list(RESULT_MEDIA_TYPES["boolean"]))
