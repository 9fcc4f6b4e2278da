"""The canned-query catalogue: ``queries/*.rq`` files with ``#+`` YAML headers, and safe binding.

Convention: ``../shared/design/QUERIES.md``. A request value never becomes query text: it is
validated against the parameter's declared type, turned into an RDF term, and only the
term's N-Triples form goes into the parameter's ``VALUES ?p { UNDEF }`` slot.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from graph.errors import GraphError

SLOT = re.compile(
    r"^[ \t]*VALUES[ \t]+\?(?P<var>\w+)[ \t]*\{[ \t]*UNDEF[ \t]*\}[ \t]*$", re.MULTILINE
)
XSD = "http://www.w3.org/2001/XMLSchema#"


class CatalogueError(GraphError):
    """A query file is malformed (bad header, slots that do not match the parameters …)."""


class ParamError(GraphError, ValueError):
    """A request value does not fit its parameter; the message names it and the accepted form."""

    def __init__(self, param: str, message: str) -> None:
        self.param = param
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One declared parameter of a canned query."""

    name: str
    type: str = "string"
    required: bool = False
    multiple: bool = False
    cls: str | None = None  # CURIE or IRI of the class whose members are allowed (type iri)
    enum: tuple[str, ...] = ()
    pattern: str | None = None
    lang: str | None = None
    max_length: int = 200
    min: float | None = None
    max: float | None = None
    default: Any = None
    example: Any = None
    description: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CannedQuery:
    """A parsed ``.rq`` file: its header and its SPARQL text exactly as in the file."""

    name: str
    text: str
    header: Mapping[str, Any]
    params: Mapping[str, ParamSpec]
    path: Path

    @property
    def pagination(self) -> int | None:
        """Default page size, or None when the query is not paginated."""
        value = self.header.get("pagination")
        return int(value) if value else None

    def summary(self, lang: str = "en") -> str:
        """The one-line summary in ``lang``."""
        value = self.header.get("summary", "")
        return value.get(lang) or value.get("en", "") if isinstance(value, dict) else str(value)


def default_dir() -> Path:
    """The ``queries/`` package folder."""
    return Path(str(files("queries")))


def parse_header(text: str) -> dict[str, Any]:
    """The YAML of the ``#+`` lines at the top of a query file."""
    lines = []
    for line in text.splitlines():
        if line.startswith("#+"):
            lines.append(line[3:] if line.startswith("#+ ") else line[2:])
        elif line.strip() and not line.startswith("#"):
            break
    data = yaml.safe_load("\n".join(lines)) if lines else {}
    if not isinstance(data, dict):
        raise CatalogueError("the #+ header must be a YAML mapping")
    return data


def _param(name: str, raw: Mapping[str, Any]) -> ParamSpec:
    return ParamSpec(
        name=name,
        type=str(raw.get("type", "string")),
        required=bool(raw.get("required", False)),
        multiple=bool(raw.get("multiple", False)),
        cls=raw.get("class"),
        enum=tuple(str(v) for v in raw.get("enum", ()) or ()),
        pattern=raw.get("pattern"),
        lang=raw.get("lang"),
        max_length=int(raw.get("max_length", 200)),
        min=raw.get("min"),
        max=raw.get("max"),
        default=raw.get("default"),
        example=raw.get("example"),
        description=raw.get("description") or {},
    )


def load_query(path: Path) -> CannedQuery:
    """Parse one ``.rq`` file.

    Raises:
        CatalogueError: the header is malformed, or slots and declared parameters differ.
    """
    text = path.read_text(encoding="utf-8")
    try:
        header = parse_header(text)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name}: the #+ header is not valid YAML: {exc}") from exc
    params = {n: _param(n, spec or {}) for n, spec in (header.get("params") or {}).items()}
    slots = [m["var"] for m in SLOT.finditer(text)]
    for name in params:
        if slots.count(name) != 1:
            raise CatalogueError(
                f"{path.name}: parameter {name!r} needs exactly one slot line "
                f"'VALUES ?{name} {{ UNDEF }}'"
            )
    extra = sorted(set(slots) - set(params))
    if extra:
        raise CatalogueError(f"{path.name}: slots {extra} belong to no declared parameter")
    return CannedQuery(path.stem, text, header, params, path)


def load_catalogue(directory: Path | None = None) -> dict[str, CannedQuery]:
    """Every query of a folder (default: the packaged ``queries/``), by name."""
    folder = directory or default_dir()
    return {p.stem: load_query(p) for p in sorted(folder.glob("*.rq"))}


def expand_curie(value: str, prefixes: Mapping[str, str]) -> str:
    """``region:border-area`` → the full IRI when the prefix is known; other values unchanged."""
    prefix, sep, local = value.partition(":")
    if sep and prefix in prefixes and not local.startswith("//"):
        return prefixes[prefix] + local
    return value


def to_term(
    spec: ParamSpec,
    raw: Any,
    *,
    prefixes: Mapping[str, str],
    members: Mapping[str, Sequence[str]] | None = None,
) -> ox.NamedNode | ox.Literal:
    """Validate one request value against its parameter and build the RDF term.

    Args:
        spec: the parameter.
        raw: the value as the client sent it.
        prefixes: CURIE prefixes accepted for IRIs.
        members: for IRI parameters with a class: allowed IRI → its labels; a label (zh/en
            prefLabel) or a CURIE is accepted and resolved to the IRI.

    Raises:
        ParamError: the value does not fit; the message names the parameter and the form.
    """
    text = raw if isinstance(raw, str) else str(raw)
    if spec.type == "iri":
        iri = expand_curie(text.strip(), prefixes)
        if members is not None:
            if iri not in members:
                by_label = {label: m for m, labels in members.items() for label in labels}
                if text.strip() in by_label:
                    iri = by_label[text.strip()]
                else:
                    choices = ", ".join(sorted(members)[:40])
                    raise ParamError(spec.name, f"{spec.name} must be one of: {choices}")
        elif not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", iri):
            raise ParamError(spec.name, f"{spec.name} must be an http(s) IRI or a known CURIE")
        if spec.pattern and not re.fullmatch(spec.pattern, iri):
            raise ParamError(spec.name, f"{spec.name} must match {spec.pattern}")
        try:
            return ox.NamedNode(iri)
        except ValueError as exc:
            raise ParamError(spec.name, f"{spec.name} is not a valid IRI: {exc}") from None
    if spec.type == "integer":
        try:
            number = int(text)
        except ValueError:
            raise ParamError(spec.name, f"{spec.name} must be an integer") from None
        if (spec.min is not None and number < spec.min) or (
            spec.max is not None and number > spec.max
        ):
            raise ParamError(spec.name, f"{spec.name} must lie in [{spec.min}, {spec.max}]")
        return ox.Literal(str(number), datatype=ox.NamedNode(XSD + "integer"))
    if spec.type == "boolean":
        if text.lower() not in ("true", "false", "1", "0"):
            raise ParamError(spec.name, f"{spec.name} must be true or false")
        value = "true" if text.lower() in ("true", "1") else "false"
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "boolean"))
    if spec.type == "enum":
        if text not in spec.enum:
            raise ParamError(spec.name, f"{spec.name} must be one of: {', '.join(spec.enum)}")
        return ox.Literal(text)
    # string
    if len(text) > spec.max_length:
        raise ParamError(spec.name, f"{spec.name} is longer than {spec.max_length} characters")
    text = unicodedata.normalize("NFC", text)
    return ox.Literal(text, language=spec.lang) if spec.lang else ox.Literal(text)


def bind(sparql: str, terms: Mapping[str, Sequence[ox.NamedNode | ox.Literal]]) -> str:
    """Fill declared ``VALUES`` slots; an absent optional parameter keeps ``UNDEF``."""

    def fill(m: re.Match[str]) -> str:
        values = terms.get(m["var"])
        if not values:
            return m[0]
        indent = m[0][: len(m[0]) - len(m[0].lstrip())]
        return f"{indent}VALUES ?{m['var']} {{ {' '.join(map(str, values))} }}"

    return SLOT.sub(fill, sparql)


def class_members(store: Any, cls: str, prefixes: Mapping[str, str]) -> dict[str, list[str]]:
    """Members of a class with their zh/en prefLabels, for IRI parameters declared with ``class``.

    Args:
        store: a :class:`graph.store.Store`.
        cls: the class as a CURIE or IRI.
        prefixes: for expanding ``cls``.
    """
    iri = ox.NamedNode(expand_curie(cls, prefixes))
    rows = store.select(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        f"SELECT DISTINCT ?m ?label WHERE {{ ?m a {iri} . "
        "OPTIONAL { ?m skos:prefLabel ?label } FILTER(isIRI(?m)) }"
    )
    members: dict[str, list[str]] = {}
    for row in rows:
        labels = members.setdefault(row["m"]["value"], [])
        if "label" in row:
            labels.append(row["label"]["value"])
    return members


def bind_request(
    query: CannedQuery,
    values: Mapping[str, Any],
    *,
    prefixes: Mapping[str, str],
    members_of: Any = None,
) -> tuple[str, dict[str, list[str]]]:
    """Check a request's values against the query's parameters and bind them.

    Args:
        query: the canned query.
        values: parameter name → a value or a list of values, as sent.
        prefixes: CURIE prefixes accepted for IRIs.
        members_of: ``cls -> {iri: labels}`` for IRI parameters with a class.

    Returns:
        The bound query text, and the normalised values (IRIs and literals as strings).

    Raises:
        ParamError: an unknown, missing, repeated or ill-typed parameter.
    """
    unknown = sorted(set(values) - set(query.params))
    if unknown:
        accepted = ", ".join(sorted(query.params)) or "none"
        raise ParamError(unknown[0], f"unknown parameter {unknown[0]!r}; accepted: {accepted}")
    terms: dict[str, list[ox.NamedNode | ox.Literal]] = {}
    shown: dict[str, list[str]] = {}
    for name, spec in query.params.items():
        raw = values.get(name, spec.default)
        items = [] if raw is None or raw == "" else raw if isinstance(raw, list) else [raw]
        if not items:
            if spec.required:
                raise ParamError(name, f"missing required parameter {name!r}")
            continue
        if len(items) > 1 and not spec.multiple:
            raise ParamError(name, f"parameter {name!r} takes one value")
        members = members_of(spec.cls) if spec.type == "iri" and spec.cls and members_of else None
        terms[name] = [to_term(spec, v, prefixes=prefixes, members=members) for v in items]
        shown[name] = [t.value for t in terms[name]]
    return bind(query.text, terms), shown
