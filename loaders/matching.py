"""Find the lexicon's surface forms in text: one compiled alternation per kind, longest first.

A :class:`Matcher` is built once per lexicon (and cached), then scans a whole document in a
few regex passes. Within a kind the longest form wins at each position (中西部和东北地区 before
中西部); kinds are matched separately, so a region inside an instrument's name (西部地区 in
西部地区鼓励类产业目录) is still a region. Composite region types expand to their members.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from loaders.lexicon import Concept, Lexicon
from loaders.normalize import make_view

MATCH_KINDS = ("region", "industry", "instrument", "ministry")


@dataclass(frozen=True, slots=True)
class Hit:
    """A match in the view: kind, span, the form matched and the concepts it names."""

    kind: str
    begin: int
    end: int
    form: str
    concepts: tuple[str, ...]


def _canonical(label: str) -> str:
    """A label in the same normal form as the text view (full-width digits, spaces …)."""
    return make_view(label).text.replace("\n", "")


def _trie_regex(forms: list[str]) -> str:
    """One regex for many literals, factored as a trie so each position costs one path.

    Greedy optional groups make the longest form win at a position, as in an alternation
    sorted longest first, but without trying every alternative in turn.
    """
    trie: dict[str, dict] = {}
    for form in forms:
        node = trie
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        terminal = "" in node
        branches = [re.escape(c) + emit(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if terminal:
            return "(?:" + body + ")?" if len(branches) > 1 or len(body) > 1 else body + "?"
        return body

    return emit(trie)


def _pattern(forms: list[str]) -> re.Pattern[str] | None:
    """Compiled matcher of the Chinese ``forms`` (a trie; ASCII forms go to :func:`_ascii`)."""
    cjk = sorted({f for f in forms if not f.isascii()})
    return re.compile(_trie_regex(cjk)) if cjk else None


def _ascii(forms: list[str]) -> re.Pattern[str] | None:
    """Word-bounded matcher of the ASCII forms (MIIT, NDRC, central China …)."""
    ascii_forms = sorted({f for f in forms if f.isascii()}, key=lambda f: (-len(f), f))
    if not ascii_forms:
        return None
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(map(re.escape, ascii_forms))
                      + r")(?![A-Za-z0-9])")


class Matcher:
    """Compiled surface forms of a lexicon, by kind, plus the ministries' mandate keywords."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._forms: dict[str, dict[str, tuple[str, ...]]] = {}
        self._patterns: dict[str, re.Pattern[str] | None] = {}
        self._ascii: dict[str, re.Pattern[str] | None] = {}
        for kind in MATCH_KINDS:
            forms: dict[str, list[str]] = {}
            for concept in lexicon.of_kind(kind):  # type: ignore[arg-type]
                for label in concept.labels:
                    form = _canonical(label)
                    if len(form) >= 2 or (form and not form.isascii()):
                        forms.setdefault(form, []).append(concept.iri)
            self._forms[kind] = {f: tuple(dict.fromkeys(i)) for f, i in forms.items()}
            self._patterns[kind] = _pattern(list(forms))
            self._ascii[kind] = _ascii(list(forms))
        keywords: dict[str, list[str]] = {}
        for concept in lexicon.of_kind("ministry"):
            for word in concept.mandate_keywords:
                form = _canonical(word)
                if form:
                    keywords.setdefault(form, []).append(concept.iri)
        # An instrument's names are words of the remit of the departments that run it (a
        # catalogue issued jointly belongs to each issuer); the longest form wins, so the
        # instrument 西部大开发税收优惠 speaks for its own departments, not 西部大开发's.
        for concept in lexicon.of_kind("instrument"):
            for label in concept.labels if concept.remit else ():
                form = _canonical(label)
                if len(form) >= 2 and not form.isascii():
                    keywords.setdefault(form, []).extend(concept.remit)
        self._keywords = {k: tuple(dict.fromkeys(v)) for k, v in keywords.items()}
        self._keyword_pattern = _pattern(list(keywords))
        self._keyword_ascii = _ascii(list(keywords))
        self._codes: dict[str, tuple[str, ...]] = {}
        for concept in lexicon.of_kind("ministry"):
            for form in (*concept.labels, *concept.document_codes):
                if len(form) >= 2 and not form.isascii():
                    self._codes.setdefault(_canonical(form), (concept.iri,))
        self._industry_remit = {c.iri: self._inherited_remit(c)
                                for c in lexicon.of_kind("industry")}
        hints: list[tuple[str, str]] = []
        for itype, words in lexicon.instrument_type_hints.items():
            hints.extend((_canonical(w), itype) for w in words if w)
        self.type_hints = sorted(hints, key=lambda h: (-len(h[0]), h[0], h[1]))

    def _inherited_remit(self, concept: Concept) -> tuple[str, ...]:
        """The departments overseeing an industry: its own, else its nearest broader classes'."""
        level, seen = [concept], {concept.iri}
        while level:
            found = sorted({m for c in level for m in c.remit})
            if found:
                return tuple(found)
            parents = [self.lexicon.concepts[b] for c in level for b in c.broader
                       if b in self.lexicon.concepts and b not in seen]
            seen.update(c.iri for c in parents)
            level = parents
        return ()

    def industry_remit(self, iri: str) -> tuple[str, ...]:
        """Departments whose remit covers an industry class (``()`` for discovered classes)."""
        return self._industry_remit.get(iri, ())

    def issuer_of_code(self, prefix: str) -> tuple[str, tuple[str, ...]] | None:
        """The department a document number's prefix names, by the longest name or code it
        begins with (工信部联政法 → 工信部, 发改地区 → 发改, 商资发 → 商资).

        Returns:
            ``(form, concepts)``, or None when the prefix names no department.
        """
        view = _canonical(prefix)
        for size in range(len(view), 1, -1):
            concepts = self._codes.get(view[:size])
            if concepts:
                return view[:size], concepts
        return None

    def forms(self, kind: str) -> set[str]:
        """The surface forms (canonical) the lexicon knows for a kind."""
        return set(self._forms.get(kind, {}))

    def expand(self, iris: tuple[str, ...]) -> tuple[str, ...]:
        """Composite region types replaced by their members (recursively), order kept."""
        out: list[str] = []
        seen: set[str] = set()

        def visit(iri: str, depth: int) -> None:
            concept: Concept | None = self.lexicon.concepts.get(iri)
            if concept is not None and concept.members and depth < 8:
                for member in concept.members:
                    visit(member, depth + 1)
            elif iri not in seen:
                seen.add(iri)
                out.append(iri)

        for iri in iris:
            visit(iri, 0)
        return tuple(out)

    def find(self, text: str, kind: str, begin: int = 0, end: int | None = None) -> list[Hit]:
        """Non-overlapping matches of one kind in ``text[begin:end]``, leftmost-longest."""
        forms = self._forms.get(kind, {})
        stop = len(text) if end is None else end
        hits: list[Hit] = []
        for pattern in (self._patterns.get(kind), self._ascii.get(kind)):
            if pattern is None:
                continue
            for match in pattern.finditer(text, begin, stop):
                form = match.group(0)
                concepts = forms[form]
                if kind == "region":
                    concepts = self.expand(concepts)
                hits.append(Hit(kind, match.start(), match.end(), form, concepts))
        if self._ascii.get(kind) is not None:
            hits.sort(key=lambda h: (h.begin, -h.end))
        return hits

    def find_all(self, text: str, begin: int = 0, end: int | None = None) -> list[Hit]:
        """Matches of every kind; a non-ministry match inside a ministry's name is dropped."""
        ministries = self.find(text, "ministry", begin, end)
        hits = list(ministries)
        for kind in ("region", "industry", "instrument"):
            for hit in self.find(text, kind, begin, end):
                if not any(m.begin <= hit.begin and hit.end <= m.end for m in ministries):
                    hits.append(hit)
        hits.sort(key=lambda h: (h.begin, -h.end, h.kind))
        return hits

    def keywords(self, text: str, begin: int = 0, end: int | None = None) -> list[Hit]:
        """Matches of mandate keywords (kind ``"mandate"``; concepts are the ministries)."""
        stop = len(text) if end is None else end
        return [
            Hit("mandate", m.start(), m.end(), m.group(0), self._keywords[m.group(0)])
            for pattern in (self._keyword_pattern, self._keyword_ascii) if pattern is not None
            for m in pattern.finditer(text, begin, stop)
        ]


_MATCHERS: OrderedDict[int, tuple[Lexicon, Matcher]] = OrderedDict()
_LOCK = threading.Lock()


def matcher_for(lexicon: Lexicon) -> Matcher:
    """The compiled matcher of a lexicon, built on first use and kept for the next documents."""
    key = id(lexicon)
    with _LOCK:
        found = _MATCHERS.get(key)
        if found is not None and found[0] is lexicon:
            _MATCHERS.move_to_end(key)
            return found[1]
    matcher = Matcher(lexicon)
    with _LOCK:
        _MATCHERS[key] = (lexicon, matcher)
        while len(_MATCHERS) > 8:
            _MATCHERS.popitem(last=False)
    return matcher
