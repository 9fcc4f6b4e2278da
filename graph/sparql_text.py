"""Light lexical facts about SPARQL text, and the checks that must run before a query runs.

Oxigraph parses and evaluates queries natively but exposes no algebra, so a few questions are
answered here without a full parse: which form a query has, whether it names its own dataset
(``FROM``), whether it holds relative IRIs, where ``USING`` clauses go in an update. A small
lexer that knows comments, strings, IRIs and braces answers them; it never changes what the
engine sees except through :func:`add_using` and :func:`with_base`.

The security checks (``SERVICE``, ``LOAD``, XML DTDs) do not trust the lexer: a keyword that
appears anywhere in the text is confirmed or refuted by rdflib's parser, and text that rdflib
cannot parse is refused (see :func:`check_text`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from graph.errors import QueryRefusedError, QuerySyntaxError

_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$]\w+)
    | (?P<word>(?:\w[\w.\-]*)?:[\w.\-:%\\]*|\w[\w\-]*)
    | (?P<open>\{)
    | (?P<close>\})
    | (?P<space>\s+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_MAYBE_RELATIVE = re.compile(r"<(?![A-Za-z][A-Za-z0-9+.\-]*:)[^<>\"{}|^`\\\x00-\x20]*>")
"""Anything that could be a relative IRI token (also inside strings and comments): where this
finds nothing, no IRI token of the text lacks a scheme."""
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
MAX_NESTING = 128
"""Deepest nesting of ``{ ( [`` (or run of ``!`` / ``^``) a text may have. Oxigraph's parser
recurses once per level and overflows its stack at about 2 000 braces, killing the process that
parses: a query worker, or the server itself for an update. Real queries stay under 20 levels."""
_BRACKETS = re.compile(
    r"""'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\""""
    r"""|'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*"|<[^<>"{}|^`\\\x00-\x20]*>"""
    r"""|\#[^\n\r]*|[{(\[]|[})\]]"""
)
_NEGATIONS = re.compile(rf"(?:[!^]\s*){{{MAX_NESTING + 1}}}")

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_FORMS = (
    "INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH",
)


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token: its kind, its text, where it starts and ends, and its brace depth."""

    kind: str
    text: str
    start: int
    end: int
    depth: int

    @property
    def keyword(self) -> str | None:
        """The upper-cased word when the token is a bare word (not a prefixed name)."""
        if self.kind == "word" and ":" not in self.text:
            return self.text.upper()
        return None


def tokens(text: str) -> Iterator[Token]:
    """The tokens of ``text`` except white space; braces carry the depth outside them."""
    depth = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind == "space":
            continue
        if kind == "close":
            depth = max(depth - 1, 0)
        yield Token(kind, m.group(), m.start(), m.end(), depth)
        if kind == "open":
            depth += 1


def unescape_codepoints(text: str) -> str:
    r"""Apply SPARQL's ``\uXXXX`` / ``\UXXXXXXXX`` escapes, which the grammar allows anywhere."""

    def repl(m: re.Match[str]) -> str:
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except (ValueError, OverflowError):
            return m.group()

    return _CODEPOINT.sub(repl, text) if "\\" in text else text


def operation_form(text: str) -> str | None:
    """The first keyword after the prologue: ``SELECT`` … ``DESCRIBE``, or an update keyword."""
    skip_iri = False
    for tok in tokens(text):
        if tok.kind == "comment":
            continue
        word = tok.keyword
        if word in ("PREFIX", "BASE"):
            skip_iri = True
            continue
        if skip_iri and tok.kind in ("word", "iri"):
            if tok.kind == "iri":
                skip_iri = False
            continue
        return word
    return None


def has_dataset_clause(text: str) -> bool:
    """Whether a query names its own dataset with ``FROM`` / ``FROM NAMED`` (at brace depth 0)."""
    if not re.search(r"(?i)\bfrom\b", text):
        return False
    return any(tok.depth == 0 and tok.keyword == "FROM" for tok in tokens(text))


def has_relative_iri(text: str) -> bool:
    """Whether ``text`` holds an IRI reference without a scheme (which needs a base IRI)."""
    if not _MAYBE_RELATIVE.search(text):
        return False  # the usual case, decided without tokenizing the whole text
    return any(
        tok.kind == "iri" and not _SCHEME.match(tok.text[1:-1]) for tok in tokens(text)
    )


def base_prefix(base: str) -> str:
    """A ``BASE <base>`` line to put before a text that holds relative IRIs.

    SPARQL allows several BASE declarations in the prologue, each resolved against the one
    before, so a query's own ``BASE`` still wins. Errors in the prefixed text are moved back
    with :func:`shift_error`.
    """
    return f"BASE <{base}>\n"


def has_using_or_with(update: str) -> bool:
    """Whether an update names its own dataset with ``USING``, ``USING NAMED`` or ``WITH``."""
    return any(tok.depth == 0 and tok.keyword in ("USING", "WITH") for tok in tokens(update))


def add_using(update: str, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> str:
    """Give every ``DELETE``/``INSERT … WHERE`` operation the protocol's dataset as ``USING``.

    This is what the SPARQL 1.1 Protocol's ``using-graph-uri`` and ``using-named-graph-uri``
    mean. ``DELETE WHERE { P }`` cannot carry ``USING``, so it is written out as the equivalent
    ``DELETE { P } USING … WHERE { P }``. The IRIs must already be valid absolute IRIs.
    """
    clause = " ".join(
        [f"USING <{g}>" for g in default_graphs] + [f"USING NAMED <{g}>" for g in named_graphs]
    )
    if not clause:
        return update
    toks = [t for t in tokens(update) if t.kind != "comment"]
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
    i = 0
    while i < len(toks):
        tok = toks[i]
        word = tok.keyword if tok.depth == 0 else None
        if word in ("DELETE", "INSERT"):
            nxt = toks[i + 1].keyword if i + 1 < len(toks) else None
            if nxt == "DATA":
                i += 2
                continue
            if word == "DELETE" and nxt == "WHERE":
                group = _group_span(toks, i + 2)
                if group is None:
                    return update  # malformed: let the engine report it
                body = update[group[0] : group[1]]
                edits.append((tok.start, toks[i + 1].end, f"DELETE {body} {clause} WHERE"))
                i += 2
                continue
            j = i + 1
            while j < len(toks) and not (toks[j].depth == 0 and toks[j].keyword == "WHERE"):
                j += 1
            if j == len(toks):
                return update
            edits.append((toks[j].start, toks[j].start, f"{clause} "))
            i = j + 1
            continue
        i += 1
    out = update
    for start, end, replacement in sorted(edits, reverse=True):
        out = out[:start] + replacement + out[end:]
    return out


def _group_span(toks: list[Token], i: int) -> tuple[int, int] | None:
    """Character span of the ``{ … }`` group whose opening brace is ``toks[i]``."""
    if i >= len(toks) or toks[i].kind != "open":
        return None
    depth = toks[i].depth
    for tok in toks[i + 1 :]:
        if tok.kind == "close" and tok.depth == depth:
            return toks[i].start, tok.end
    return None


# -- checks before execution ---------------------------------------------------------------


def refuse_xml_dtd(data: bytes | str) -> None:
    """Refuse a payload that declares a DTD or entities.

    Entity expansion ("billion laughs") is a denial of service in rdflib's XML handling
    (RDF/XML, ``rdf:XMLLiteral``) and Oxigraph's RDF/XML parser alike; nothing legitimate here
    needs a DTD.

    Raises:
        QueryRefusedError: the payload holds ``<!DOCTYPE`` or ``<!ENTITY``.
    """
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    if _DTD.search(raw):
        raise QueryRefusedError(
            "XML document type and entity declarations (<!DOCTYPE, <!ENTITY) are not accepted; "
            "remove them (entities can be written out)"
        )


def refuse_deep_nesting(text: str) -> None:
    """Refuse text nested deeper than :data:`MAX_NESTING` (see there why).

    Costs a few ``str.count`` calls for ordinary text; only text with that many brackets is
    scanned (strings, IRIs and comments skipped).

    Raises:
        QueryRefusedError: the nesting is deeper than the limit.
    """
    if text.count("{") + text.count("(") + text.count("[") > MAX_NESTING:
        depth = deepest = 0
        for m in _BRACKETS.finditer(text):
            token = m.group()
            if token in ("{", "(", "["):
                depth += 1
                deepest = max(deepest, depth)
            elif token in ("}", ")", "]"):
                depth = max(depth - 1, 0)
        if deepest > MAX_NESTING:
            raise QueryRefusedError(
                f"the text nests groups, brackets or parentheses {deepest} levels deep; this "
                f"endpoint allows {MAX_NESTING}: flatten it"
            )
    if text.count("!") + text.count("^") > MAX_NESTING and _NEGATIONS.search(text):
        raise QueryRefusedError(
            f"the text chains more than {MAX_NESTING} '!' or '^' operators; shorten it"
        )


def _mentions(text: str, word: str) -> bool:
    return re.search(rf"(?i)\b{word}\b", text) is not None


def _names(node: Any, acc: set[str], depth: int = 0) -> set[str]:
    """Every rule name in an rdflib parse tree."""
    if depth > 200:
        return acc
    name = getattr(node, "name", None)
    if isinstance(name, str):
        acc.add(name)
    if isinstance(node, dict):
        for value in node.values():
            _names(value, acc, depth + 1)
    elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
        for value in node:
            _names(value, acc, depth + 1)
    return acc


def _parsed_names(text: str, *, update: bool) -> set[str] | None:
    """Rule names of rdflib's parse of ``text``, or None when rdflib cannot parse it."""
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree = parseUpdate(text) if update else parseQuery(text)
    except Exception:  # pyparsing errors, RecursionError on absurd nesting, …
        return None
    return _names(tree, set())


def check_text(text: str, *, update: bool = False, allow_service: bool = False) -> None:
    """Refuse, before anything runs, what this endpoint never does.

    - ``SERVICE`` (unless ``allow_service``): Oxigraph and rdflib would send HTTP requests.
    - ``LOAD`` in an update: it fetches a URL, always refused.
    - XML DTDs or entity declarations (see :func:`refuse_xml_dtd`).
    - Nesting deeper than :data:`MAX_NESTING` (see :func:`refuse_deep_nesting`).

    A keyword found anywhere in the text (after SPARQL's codepoint escapes) is confirmed with
    rdflib's parser; when rdflib cannot parse the text, it is refused rather than guessed at.
    Text without the keywords costs one regular-expression scan.

    Raises:
        QueryRefusedError: the text asks for something refused; the message says what.
    """
    refuse_xml_dtd(text)
    refuse_deep_nesting(text)
    plain = unescape_codepoints(text)
    risky = []
    if not allow_service and _mentions(plain, "SERVICE"):
        risky.append(("ServiceGraphPattern", "SERVICE (federated query)"))
    if update and _mentions(plain, "LOAD"):
        risky.append(("Load", "LOAD"))
    if not risky:
        return
    names = _parsed_names(plain, update=update)
    for rule, what in risky:
        if names is None:
            raise QueryRefusedError(
                f"{what} is not allowed on this endpoint, and this text mentions it in a form "
                "that could not be checked; remove it"
            )
        if rule in names:
            raise QueryRefusedError(
                f"{what} is not allowed on this endpoint: it would make the server fetch "
                "other URLs; query this endpoint's own data instead"
            )


def shift_error(exc: QuerySyntaxError, prefix: str) -> QuerySyntaxError:
    """The same syntax error, its positions moved back past ``prefix`` (:func:`base_prefix`).

    Oxigraph reports ``at LINE:COLUMN``, rdflib ``(at char N), (line:L, col:C)``.
    """
    if not prefix:
        return exc
    lines, chars = prefix.count("\n"), len(prefix)
    message = re.sub(
        r"\bat (\d+):(\d+)",
        lambda m: f"at {max(int(m.group(1)) - lines, 1)}:{m.group(2)}",
        str(exc),
    )
    message = re.sub(
        r"\(at char (\d+)\)", lambda m: f"(at char {max(int(m.group(1)) - chars, 0)})", message
    )
    message = re.sub(
        r"\(line:(\d+),", lambda m: f"(line:{max(int(m.group(1)) - lines, 1)},", message
    )
    return QuerySyntaxError(message)
