"""The canned-query catalogue: ``queries/*.rq`` files with ``#+`` YAML headers, and safe binding.

Convention: ``../shared/design/QUERIES.md``. A request value never becomes query text: it is
validated against the parameter's declared type, turned into an RDF term, and only the
term's N-Triples form goes into the parameter's ``VALUES ?p { UNDEF }`` slot. The only other
text the server adds is integer ``LIMIT``/``OFFSET`` for pages and a fixed ``COUNT`` wrapper.

This module reads and checks the files (header JSON Schema, lint rules 1 to 8) and binds values;
it runs nothing itself except :func:`class_members`, which asks a store for the allowed values
of a class-typed parameter. No HTTP here: ``api.rest`` serves the catalogue.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import jsonschema
import pyoxigraph as ox
import yaml
from pyparsing import ParseResults

from graph.errors import GraphError

log = logging.getLogger(__name__)

SLOT = re.compile(
    r"^[ \t]*VALUES[ \t]+\?(?P<var>\w+)[ \t]*\{[ \t]*UNDEF[ \t]*\}[ \t]*$", re.MULTILINE
)
"""A parameter slot line, exactly as QUERIES.md §9.3 rule 2 gives it."""
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
XSD = "http://www.w3.org/2001/XMLSchema#"
PARAM_TYPES = ("iri", "string", "integer", "decimal", "boolean", "date", "gYear", "enum")
COLUMN_TYPES = ("iri", "iris", "string", "integer", "decimal", "boolean", "date", "dateTime",
                "gYear", "literal")
"""Result column types; ``iris`` is a space-separated list of IRIs (a GROUP_CONCAT), in no
particular order, given to JSON clients as a sorted array."""
RESERVED_PARAMS = ("page", "page_size", "format", "count")
"""Names the REST API uses for its own controls; no query may declare them."""
MAX_VALUES = 50
"""Most values one multi-valued parameter takes in one request."""
MAX_PAGE_SIZE = 1000
QueryKind = Literal["select", "construct", "ask", "describe"]

_PROLOGUE = re.compile(
    r"\A(?:\s+|#[^\n]*(?:\n|\Z)|(?i:PREFIX)\s+[^\s:]*:\s*<[^<>\s]*>|(?i:BASE)\s*<[^<>\s]*>)*"
)
_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_GYEAR = re.compile(r"^-?[0-9]{4}$")
_QUESTION_VAR = re.compile(r"\?([A-Za-z_]\w*)")


class CatalogueError(GraphError):
    """A query file is malformed (bad header, slots that do not match the parameters …)."""


class ParamError(GraphError, ValueError):
    """A request value does not fit its parameter; the message names it and the accepted form."""

    def __init__(self, param: str, message: str) -> None:
        self.param = param
        super().__init__(message)


# -- the header schema (QUERIES.md §9.2) -----------------------------------------------------

_TEXT: dict[str, Any] = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "required": ["zh", "en"],
            "properties": {
                "zh": {"type": "string", "minLength": 1},
                "en": {"type": "string", "minLength": 1},
            },
            "additionalProperties": False,
        },
    ]
}
_LANG = {"type": "string", "pattern": r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$"}
_PARAM: dict[str, Any] = {
    "type": "object",
    "required": ["type"],
    "additionalProperties": False,
    "properties": {
        "type": {"enum": list(PARAM_TYPES)},
        "class": {"type": "string", "pattern": r"^(?:[A-Za-z][\w-]*:[\w./-]+|https?://\S+)$"},
        "enum": {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True},
        "pattern": {"type": "string", "minLength": 1},
        "lang": _LANG,
        "min": {"type": "number"},
        "max": {"type": "number"},
        "max_length": {"type": "integer", "minimum": 1, "maximum": 10_000},
        "required": {"type": "boolean"},
        "multiple": {"type": "boolean"},
        "default": {},
        "example": {},
        "description": _TEXT,
    },
    "allOf": [
        # An IRI parameter is closed: the members of a class, or IRIs of a given form.
        {
            "if": {"properties": {"type": {"const": "iri"}}},
            "then": {
                "anyOf": [{"required": ["class"]}, {"required": ["pattern"]}],
                "description": "an iri parameter names the `class` of its allowed values "
                "or a `pattern` they match",
            },
        },
        {"if": {"properties": {"type": {"const": "enum"}}}, "then": {"required": ["enum"]}},
    ],
}
_COLUMN: dict[str, Any] = {
    "type": "object",
    "required": ["type"],
    "additionalProperties": False,
    "properties": {"type": {"enum": list(COLUMN_TYPES)}, "lang": _LANG, "description": _TEXT},
}
_EXPECT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "min_rows": {"type": "integer", "minimum": 0},
        "max_rows": {"type": "integer", "minimum": 0},
    },
}
HEADER_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "canned query header",
    "type": "object",
    "required": ["summary", "description", "tags", "examples"],
    "additionalProperties": False,
    "properties": {
        "summary": _TEXT,
        "question": _TEXT,
        "description": _TEXT,
        "tags": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
        "params": {
            "type": "object",
            "propertyNames": {
                "pattern": r"^[a-z][A-Za-z0-9_]*$",
                "not": {"enum": list(RESERVED_PARAMS)},
            },
            "additionalProperties": _PARAM,
        },
        "columns": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
            "additionalProperties": _COLUMN,
        },
        "pagination": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        "examples": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["params"],
                "additionalProperties": False,
                "properties": {"params": {"type": "object"}, "expect": _EXPECT, "title": _TEXT},
            },
        },
        "since": {"type": "string"},
        "deprecated": {"type": "boolean"},
        "replaced_by": {"type": "string", "pattern": NAME.pattern},
        "timeout_ms": {"type": "integer", "minimum": 1},
    },
}
_VALIDATOR = jsonschema.Draft202012Validator(HEADER_SCHEMA)


# -- the parsed files ------------------------------------------------------------------------


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
class Column:
    """One result column: its JSON type and, for strings, the language of its values."""

    name: str
    type: str
    lang: str | None = None


@dataclass(frozen=True)
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

    @cached_property
    def kind(self) -> QueryKind:
        """``select``, ``construct``, ``ask`` or ``describe``: the query form after the prologue."""
        return query_form(self.text)

    @cached_property
    def columns(self) -> dict[str, Column]:
        """The declared result columns, in projection order."""
        return {
            n: Column(n, str(c.get("type", "literal")), c.get("lang"))
            for n, c in (self.header.get("columns") or {}).items()
        }

    @property
    def tags(self) -> list[str]:
        """Grouping tags (catalogue sections, OpenAPI tags)."""
        return [str(t) for t in self.header.get("tags") or []]

    @property
    def examples(self) -> list[dict[str, Any]]:
        """The ``examples`` entries: ``{"params": …, "expect": …}``."""
        return [dict(e) for e in self.header.get("examples") or []]

    @property
    def timeout(self) -> float | None:
        """The query's own time limit in seconds (``timeout_ms``), if it sets one."""
        value = self.header.get("timeout_ms")
        return int(value) / 1000 if value else None

    def text_in(self, key: str, lang: str = "en") -> str:
        """A bilingual header entry (``summary``, ``question``, ``description``) in ``lang``."""
        value = self.header.get(key, "")
        if isinstance(value, dict):
            return str(value.get(lang) or value.get("en") or value.get("zh") or "")
        return str(value)

    def summary(self, lang: str = "en") -> str:
        """The one-line summary in ``lang``."""
        return self.text_in("summary", lang)


def default_dir() -> Path:
    """The ``queries/`` package folder."""
    return Path(str(files("queries")))


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML has it: the server reads every header at start, and the
pure-Python loader took most of ``create_app`` (0.6 of 1.2 s for 27 files)."""


def parse_header(text: str) -> dict[str, Any]:
    """The YAML of the ``#+`` lines at the top of a query file.

    Raises:
        CatalogueError: the lines are not a YAML mapping.
    """
    lines = []
    for line in text.splitlines():
        if line.startswith("#+"):
            lines.append(line[3:] if line.startswith("#+ ") else line[2:])
        elif line.strip() and not line.startswith("#"):
            break
    data = yaml.load("\n".join(lines), Loader=_YAML_LOADER) if lines else {}
    if not isinstance(data, dict):
        raise CatalogueError("the #+ header must be a YAML mapping")
    return data


def query_form(text: str) -> QueryKind:
    """The form of a query (``select`` …), read after its prologue (comments, PREFIX, BASE).

    Raises:
        CatalogueError: no query form follows the prologue.
    """
    rest = text[_PROLOGUE.match(text).end() :]  # type: ignore[union-attr]
    word = re.match(r"[A-Za-z]+", rest)
    kind = word[0].lower() if word else ""
    if kind not in ("select", "construct", "ask", "describe"):
        raise CatalogueError("no SELECT, CONSTRUCT, ASK or DESCRIBE after the prologue")
    return kind  # type: ignore[return-value]


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


def header_problems(header: Mapping[str, Any]) -> list[str]:
    """Where a header departs from :data:`HEADER_SCHEMA`, one readable line each."""
    out = []
    for err in sorted(_VALIDATOR.iter_errors(header), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(header)"
        hint = err.schema.get("description") if isinstance(err.schema, dict) else None
        out.append(f"{where}: {hint}" if hint else f"{where}: {err.message}")
    return out


def load_query(path: Path) -> CannedQuery:
    """Parse one ``.rq`` file and check its header and slots.

    Raises:
        CatalogueError: the name, the header or the slots are malformed; the message says where.
    """
    if not NAME.match(path.stem):
        raise CatalogueError(
            f"{path.name}: a query name is snake_case ASCII ([a-z][a-z0-9_]*); rename the file"
        )
    text = path.read_text(encoding="utf-8")
    try:
        header = parse_header(text)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name}: the #+ header is not valid YAML: {exc}") from exc
    except CatalogueError as exc:
        raise CatalogueError(f"{path.name}: {exc}") from None
    problems = header_problems(header)
    if problems:
        raise CatalogueError(
            f"{path.name}: the header does not fit the schema: " + "; ".join(problems)
        )
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
    query = CannedQuery(path.stem, text, header, params, path)
    try:
        kind = query.kind
    except CatalogueError as exc:
        raise CatalogueError(f"{path.name}: {exc}") from None
    if kind not in ("select", "construct"):
        raise CatalogueError(
            f"{path.name}: a canned query is a SELECT (a table) or a CONSTRUCT (a graph), "
            f"not {kind.upper()}"
        )
    if kind == "select" and not header.get("columns"):
        raise CatalogueError(f"{path.name}: a SELECT query declares its `columns`")
    return query


def load_catalogue(directory: Path | None = None) -> dict[str, CannedQuery]:
    """Every query of a folder (default: the packaged ``queries/``), by name.

    Raises:
        CatalogueError: a file is malformed (the message names it).
    """
    folder = directory or default_dir()
    return {p.stem: load_query(p) for p in sorted(folder.glob("*.rq"))}


# -- lint rules (QUERIES.md §9.3) ------------------------------------------------------------


def _walk(node: Any, skip: Callable[[Any], bool] = lambda n: False) -> Iterator[Any]:
    """Every node of rdflib's parse tree, depth first, not entering nodes ``skip`` accepts."""
    if skip(node):
        return
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value, skip)
    elif isinstance(node, list | tuple | ParseResults):
        for value in node:
            yield from _walk(value, skip)


def _name(node: Any) -> str:
    return str(getattr(node, "name", "") or "")


def _variables(node: Any, skip: Callable[[Any], bool] = lambda n: False) -> set[str]:
    from rdflib.term import Variable

    return {str(n) for n in _walk(node, skip) if isinstance(n, Variable)}


def _projection(tree: Any) -> list[str] | None:
    """Projected variables of a SELECT parse tree, in order; None for ``SELECT *``."""
    if "projection" not in tree:
        return None
    return [str(item["evar"] if "evar" in item else item["var"]) for item in tree["projection"]]


def lint_query(query: CannedQuery) -> list[str]:
    """Check one query against the lint rules 1 to 8 of QUERIES.md §9.3.

    Returns:
        One line per problem, each starting with its rule number; empty when the file is clean.
    """
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.parser import parseQuery

    problems: list[str] = []
    text = query.text
    params = set(query.params)
    # Rule 1: both engines parse it; the header fits (checked at load); examples fit the params.
    try:
        ox.Store().query(text)
    except SyntaxError as exc:
        problems.append(f"rule 1: Oxigraph cannot parse the query: {exc}")
    try:
        prepareQuery(text)
        tree = parseQuery(text)[1]
    except Exception as exc:  # pyparsing.ParseException and rdflib's algebra errors
        problems.append(f"rule 1: rdflib cannot parse the query: {exc}")
        return problems
    for i, example in enumerate(query.examples):
        given = set((example.get("params") or {}).keys())
        if given - params:
            problems.append(f"rule 1: example {i + 1} sets undeclared {sorted(given - params)}")
        missing = {n for n, s in query.params.items() if s.required and s.default is None} - given
        if missing:
            problems.append(f"rule 1: example {i + 1} lacks required {sorted(missing)}")
    question = " ".join(query.text_in("question", lang) for lang in ("zh", "en"))
    for var in _QUESTION_VAR.findall(question):
        if var not in params:
            problems.append(f"rule 1: the question names ?{var}, which is no parameter")

    # Rules 2 and 3: one slot per parameter, all of them leading the top-level WHERE group.
    where = tree.get("where") if "where" in tree else None
    parts = list(where.get("part") or []) if where is not None and "part" in where else []
    leading: list[Any] = []
    for part in parts:
        if (
            _name(part) == "InlineData"
            and len(part["var"]) == 1
            and list(part["value"]) == ["UNDEF"]
        ):
            leading.append(part)
        else:
            break
    lead_vars = [str(p["var"][0]) for p in leading]
    text_slots = [m["var"] for m in SLOT.finditer(text)]
    if sorted(lead_vars) != sorted(text_slots):
        problems.append(
            "rule 3: slots must be the first lines of the top-level WHERE group "
            f"(leading: {lead_vars}, slot lines in the file: {text_slots})"
        )
    if sorted(text_slots) != sorted(params):
        problems.append(f"rule 2: slots {text_slots} differ from parameters {sorted(params)}")

    # Rule 4: nothing that reaches outside the store or writes.
    for node in _walk(tree):
        if _name(node) == "ServiceGraphPattern":
            problems.append("rule 4: SERVICE is not allowed in a canned query")
            break
    if "datasetClause" in tree:
        problems.append(
            "rule 4: FROM / FROM NAMED are not allowed (queries read the store's union)"
        )

    # Rule 5: parameters are bound only by their slot and are not confined to OPTIONAL/MINUS.
    slot_ids = {id(p) for p in leading}
    for node in _walk(tree):
        name = _name(node)
        if name == "Bind" and str(node.get("var")) in params:
            problems.append(f"rule 5: ?{node['var']} is a parameter and must not be BIND-assigned")
        inline = name in ("InlineData", "InlineDataOneVar", "InlineDataFull")
        if inline and id(node) not in slot_ids:
            clash = _variables(node.get("var")) & params
            if clash:
                problems.append(f"rule 5: {sorted(clash)} appear in another VALUES block")
    for item in tree.get("projection") or [] if "projection" in tree else []:
        if "evar" in item and str(item["evar"]) in params:
            problems.append(
                f"rule 5: ?{item['evar']} is a parameter and must not be assigned by AS"
            )
    if "valuesClause" in tree and tree["valuesClause"] is not None:
        clash = _variables(tree["valuesClause"]) & params
        if clash:
            problems.append(f"rule 5: {sorted(clash)} appear in the trailing VALUES clause")
    if where is not None:
        visible = _variables(
            where,
            skip=lambda n: id(n) in slot_ids
            or _name(n) in ("OptionalGraphPattern", "MinusGraphPattern"),
        )
        for name in sorted(params - visible):
            problems.append(
                f"rule 5: ?{name} is used only inside OPTIONAL/MINUS (or not at all)"
            )

    if query.kind == "select":
        projection = _projection(tree)
        if projection is None:
            problems.append("rule 6: list the projected variables (no SELECT *)")
        else:
            # Rule 6: every parameter is projected.
            for name in sorted(params - set(projection)):
                problems.append(f"rule 6: parameter ?{name} is not projected")
            # Rule 7: the columns are the projection.
            if list(query.columns) != projection:
                problems.append(
                    f"rule 7: columns {list(query.columns)} differ from the projection {projection}"
                )
    elif query.header.get("columns"):
        problems.append("rule 7: only SELECT queries declare columns")

    # Rule 8: paginated queries are ordered and leave LIMIT/OFFSET to the server.
    if query.pagination:
        if query.kind != "select":
            problems.append("rule 8: only SELECT queries are paginated")
        if "orderby" not in tree:
            problems.append("rule 8: a paginated query needs ORDER BY")
        if "limitoffset" in tree:
            problems.append("rule 8: a paginated query has no top-level LIMIT/OFFSET")
        if "valuesClause" in tree and tree["valuesClause"] is not None:
            problems.append("rule 8: a paginated query has no trailing VALUES clause")
    return problems


# -- binding (QUERIES.md §9.4) ---------------------------------------------------------------


class Members(dict[str, list[str]]):
    """The allowed IRIs of a class-typed parameter, each with the names that designate it.

    ``self[iri]`` lists its names (zh/en preferred labels, notation, title, number: Chinese
    first); ``aliases[iri]`` lists weaker names (``skos:altLabel``), which are tried after the
    names and the IRI's own last segment (``border-area``, ``GACC``).
    """

    def __init__(self, *args: Any, aliases: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(*args)
        self.aliases = {iri: list(names) for iri, names in (aliases or {}).items()}

    @cached_property
    def by_label(self) -> dict[str, list[str]]:
        """Normalised name → the member IRIs it names (more than one means ambiguous)."""
        return _index((iri, label) for iri, labels in self.items() for label in labels)

    @cached_property
    def by_alias(self) -> dict[str, list[str]]:
        """Normalised last IRI segment or alternative label → the member IRIs it names."""
        keys = ((iri, re.split(r"[/#]", iri.rstrip("/#"))[-1]) for iri in self)
        alts = ((iri, alt) for iri, names in self.aliases.items() for alt in names)
        return {**_index(alts), **_index(keys)}


def _index(pairs: Any) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for iri, name in pairs:
        found = index.setdefault(_label_key(name), [])
        if iri not in found:
            found.append(iri)
    return index


def _label_key(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def expand_curie(value: str, prefixes: Mapping[str, str]) -> str:
    """``region:border-area`` → the full IRI when the prefix is known; other values unchanged."""
    prefix, sep, local = value.partition(":")
    if sep and prefix in prefixes and not local.startswith("//"):
        return prefixes[prefix] + local
    return value


def compact_iri(iri: str, prefixes: Mapping[str, str]) -> str:
    """The shortest CURIE for ``iri`` under ``prefixes``, or the IRI itself."""
    best = iri
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            candidate = f"{prefix}:{iri[len(ns):]}"
            if len(candidate) < len(best):
                best = candidate
    return best


def _shown(raw: str, limit: int = 60) -> str:
    return repr(raw if len(raw) <= limit else raw[:limit] + "…")


def _choices(members: Members, prefixes: Mapping[str, str], limit: int = 40) -> str:
    items = []
    for iri in sorted(members)[:limit]:
        labels = [label for label in members[iri] if label][:1]
        curie = compact_iri(iri, prefixes)
        items.append(f"{curie} ({labels[0]})" if labels else curie)
    more = len(members) - limit
    return ", ".join(items) + (f", … and {more} more" if more > 0 else "")


def _xsd(value: str, local: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + local))


def _bounds(spec: ParamSpec, number: float | Decimal) -> None:
    low = spec.min is not None and number < spec.min
    high = spec.max is not None and number > spec.max
    if low or high:
        raise ParamError(spec.name, f"{spec.name} must lie in [{spec.min}, {spec.max}]")


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
        raw: the value as the client sent it (a string, or a JSON scalar in a POST body).
        prefixes: CURIE prefixes accepted for IRIs.
        members: for IRI parameters with a class: allowed IRI → its labels; an exact zh/en
            label or a CURIE is accepted and resolved to the IRI.

    Raises:
        ParamError: the value does not fit; the message names the parameter and the form.
    """
    if isinstance(raw, bool):
        text = "true" if raw else "false"
    elif isinstance(raw, float) and raw.is_integer() and spec.type == "integer":
        text = str(int(raw))  # JSON's 2025.0 is the integer 2025
    elif isinstance(raw, str | int | float | Decimal):
        text = str(raw)
    else:
        raise ParamError(spec.name, f"{spec.name} takes a single value (a string or a number)")
    if spec.type == "iri":
        return _iri_term(spec, text, prefixes, members)
    if spec.type in ("integer", "decimal"):
        pattern = _INTEGER if spec.type == "integer" else _DECIMAL
        if not pattern.match(text.strip()):
            article = "an" if spec.type == "integer" else "a"
            raise ParamError(
                spec.name,
                f"{spec.name} must be {article} {spec.type} written with ASCII digits, "
                f"got {_shown(text)}",
            )
        try:
            number = Decimal(text.strip())
        except InvalidOperation:
            raise ParamError(spec.name, f"{spec.name} must be a {spec.type}") from None
        _bounds(spec, number)
        if spec.type == "integer":
            return _xsd(str(int(number)), "integer")
        lexical = format(number.normalize(), "f")
        return _xsd(lexical if "." in lexical else lexical + ".0", "decimal")
    if spec.type == "boolean":
        low = text.strip().lower()
        if low not in ("true", "false", "1", "0"):
            raise ParamError(spec.name, f"{spec.name} must be true or false")
        return _xsd("true" if low in ("true", "1") else "false", "boolean")
    if spec.type == "date":
        try:
            if not _DATE.match(text.strip()):
                raise ValueError
            value = date.fromisoformat(text.strip())
        except ValueError:
            raise ParamError(spec.name, f"{spec.name} must be a date YYYY-MM-DD") from None
        return _xsd(value.isoformat(), "date")
    if spec.type == "gYear":
        if not _GYEAR.match(text.strip()):
            raise ParamError(spec.name, f"{spec.name} must be a year YYYY")
        _bounds(spec, int(text.strip()))
        return _xsd(text.strip(), "gYear")
    if spec.type == "enum":
        if text not in spec.enum:
            raise ParamError(spec.name, f"{spec.name} must be one of: {', '.join(spec.enum)}")
        return ox.Literal(text)
    # string
    if len(text) > spec.max_length:
        raise ParamError(spec.name, f"{spec.name} is longer than {spec.max_length} characters")
    text = unicodedata.normalize("NFC", text)
    if spec.pattern and not re.fullmatch(spec.pattern, text):
        raise ParamError(spec.name, f"{spec.name} must match {spec.pattern}")
    return ox.Literal(text, language=spec.lang) if spec.lang else ox.Literal(text)


def _iri_term(
    spec: ParamSpec,
    text: str,
    prefixes: Mapping[str, str],
    members: Mapping[str, Sequence[str]] | None,
) -> ox.NamedNode:
    given = unicodedata.normalize("NFC", text).strip()
    iri = expand_curie(given, prefixes)
    if members is not None:
        if iri not in members:
            known = members if isinstance(members, Members) else Members(members)
            key = _label_key(given)
            found = known.by_label.get(key) or known.by_alias.get(key) or []
            if len(found) > 1:
                names = ", ".join(compact_iri(f, prefixes) for f in found)
                raise ParamError(
                    spec.name,
                    f"{spec.name}: {_shown(given)} names several: {names}; give one of them",
                )
            if not found:
                raise ParamError(
                    spec.name,
                    f"{spec.name} must be one of (an IRI, a CURIE or an exact zh/en name): "
                    f"{_choices(known, prefixes)}",
                )
            iri = found[0]
    elif not _IRI.match(iri):
        raise ParamError(spec.name, f"{spec.name} must be an http(s) IRI or a known CURIE")
    if spec.pattern and not re.fullmatch(spec.pattern, iri):
        raise ParamError(spec.name, f"{spec.name} must be an IRI matching {spec.pattern}")
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise ParamError(spec.name, f"{spec.name} is not a valid IRI: {exc}") from None


def bind(sparql: str, terms: Mapping[str, Sequence[ox.NamedNode | ox.Literal]]) -> str:
    """Fill declared ``VALUES`` slots; an absent optional parameter keeps ``UNDEF``.

    Only ``str(term)`` (the N-Triples form, whose escaping pyoxigraph guarantees) enters the
    text, and only on the slot's own line; every other byte of ``sparql`` stays as it was.
    """

    def fill(m: re.Match[str]) -> str:
        values = terms.get(m["var"])
        if not values:
            return m[0]
        indent = m[0][: len(m[0]) - len(m[0].lstrip())]
        return f"{indent}VALUES ?{m['var']} {{ {' '.join(map(str, values))} }}"

    return SLOT.sub(fill, sparql)


def paginate(sparql: str, size: int, page: int) -> str:
    """The query with ``LIMIT size+1 OFFSET (page-1)*size`` appended (one extra row tells
    whether a next page exists). Both numbers are Python ints, so nothing else can enter."""
    return f"{sparql}\nLIMIT {int(size) + 1}\nOFFSET {(int(page) - 1) * int(size)}\n"


def count_query(sparql: str) -> str:
    """A query counting the solutions of a SELECT: its prologue, then ``SELECT (COUNT(*) …)``
    over the query as a sub-select. The added text is fixed; the bound query is unchanged."""
    cut = _PROLOGUE.match(sparql).end()  # type: ignore[union-attr]
    return f"{sparql[:cut]}SELECT (COUNT(*) AS ?total) WHERE {{\n{{\n{sparql[cut:]}\n}}\n}}\n"


def class_members(store: Any, cls: str, prefixes: Mapping[str, str]) -> Members:
    """Members of a class with the labels that may name them, for IRI parameters with ``class``.

    Names are the zh/en ``skos:prefLabel`` and ``rdfs:label``, plus ``skos:notation`` (ISO codes
    of provinces), and for documents their ``dcterms:title`` and number (文号); the
    ``skos:altLabel`` abbreviations (工信部, NDRC …) are kept as weaker aliases.

    Args:
        store: a :class:`graph.store.Store`.
        cls: the class as a CURIE or IRI.
        prefixes: for expanding ``cls``.
    """
    iri = ox.NamedNode(expand_curie(cls, prefixes))
    rows = store.select(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
        "PREFIX pol: <https://w3id.org/policykg/ontology#>\n"
        f"SELECT DISTINCT ?m ?label ?alt WHERE {{ ?m a {iri} . FILTER(isIRI(?m))\n"
        "  OPTIONAL { { ?m skos:prefLabel|rdfs:label|skos:notation|dcterms:title"
        "|pol:documentNumber ?label } UNION { ?m skos:altLabel ?alt } }\n}"
    )
    found: dict[str, list[tuple[int, str]]] = {}
    aliases: dict[str, list[str]] = {}
    for row in rows:
        member = row["m"]["value"]
        labels = found.setdefault(member, [])
        if "label" in row:
            lang = row["label"].get("xml:lang", "").lower()
            rank = 0 if lang.startswith("zh") else 1 if lang.startswith("en") else 2
            labels.append((rank, row["label"]["value"]))
        if "alt" in row:
            aliases.setdefault(member, []).append(row["alt"]["value"])
    members = Members(aliases=aliases)
    for member, labels in found.items():  # Chinese names first: messages show the first
        members[member] = list(dict.fromkeys(label for _, label in sorted(labels)))
    return members


MembersOf = Callable[[str], Mapping[str, Sequence[str]]]


def bind_request(
    query: CannedQuery,
    values: Mapping[str, Any],
    *,
    prefixes: Mapping[str, str],
    members_of: MembersOf | None = None,
) -> tuple[str, dict[str, Any]]:
    """Check a request's values against the query's parameters and bind them.

    Args:
        query: the canned query.
        values: parameter name → a value or a list of values, as sent.
        prefixes: CURIE prefixes accepted for IRIs.
        members_of: ``cls -> {iri: labels}`` for IRI parameters with a class.

    Returns:
        The bound query text, and the values as bound (IRIs and lexical forms; integers,
        decimals and booleans as JSON numbers and booleans; a list for multi-valued ones).

    Raises:
        ParamError: an unknown, missing, repeated or ill-typed parameter.
    """
    unknown = sorted(set(values) - set(query.params))
    if unknown:
        accepted = ", ".join(sorted(query.params)) or "none"
        raise ParamError(
            unknown[0], f"unknown parameter {unknown[0]!r} for {query.name}; accepted: {accepted}"
        )
    terms: dict[str, list[ox.NamedNode | ox.Literal]] = {}
    shown: dict[str, Any] = {}
    for name, spec in query.params.items():
        raw = values.get(name)
        if raw is None or raw == "" or raw == []:
            raw = spec.default
        items = [] if raw is None or raw == "" else list(raw) if isinstance(raw, list) else [raw]
        if not items:
            if spec.required:
                raise ParamError(name, f"missing required parameter {name!r} for {query.name}")
            continue
        if len(items) > 1 and not spec.multiple:
            raise ParamError(name, f"parameter {name!r} takes one value, got {len(items)}")
        if len(items) > MAX_VALUES:
            raise ParamError(name, f"parameter {name!r} takes at most {MAX_VALUES} values")
        members = members_of(spec.cls) if spec.type == "iri" and spec.cls and members_of else None
        bound = [to_term(spec, v, prefixes=prefixes, members=members) for v in items]
        terms[name] = list(dict.fromkeys(bound))  # the same value twice would double the rows
        plain = [_plain_value(spec, t) for t in terms[name]]
        shown[name] = plain if spec.multiple else plain[0]
    return bind(query.text, terms), shown


def _plain_value(spec: ParamSpec, term: ox.NamedNode | ox.Literal) -> Any:
    if spec.type == "integer":
        return int(term.value)
    if spec.type == "decimal":
        return float(term.value)
    if spec.type == "boolean":
        return term.value == "true"
    return term.value


def example_values(query: CannedQuery, index: int = 0) -> dict[str, Any]:
    """The parameter values of one of the query's examples."""
    examples = query.examples
    return dict(examples[index].get("params") or {}) if index < len(examples) else {}
