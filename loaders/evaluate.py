"""Precision and recall of the extractor against the hand-labelled set in tests/data/eval/.

``python -m loaders.evaluate [--dir DIR] [--verbose]`` loads every labelled document with the
bundled ontology's lexicon and prints, per category (regions, industries, instruments,
owners), precision, recall and F1, strict (same span) and lenient (overlapping span), for the
evaluation documents and for the seed separately, plus the structure checks (title, 文号,
issuers, sections, targets, date). The label format and guideline are in
tests/data/eval/README.md.

This module is a development tool at the top of the data flow, like ``bench/``: it is the one
place in ``loaders`` that builds the lexicon through ``graph`` (the library code never does).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from loaders.errors import LoaderError
from loaders.lexicon import Lexicon
from loaders.pipeline import load_document
from loaders.records import DocumentRecord

CATEGORIES = ("regions", "industries", "instruments", "owners")
_KIND = {"regions": "region", "industries": "industry", "instruments": "instrument"}
DEFAULT_DIR = Path("tests/data/eval")


@dataclass(slots=True)
class Counts:
    """True positives, false positives and false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class DocResult:
    """Scores of one document, with the errors for ``--verbose``."""

    name: str
    strict: dict[str, Counts] = field(default_factory=lambda: {c: Counts() for c in CATEGORIES})
    lenient: dict[str, Counts] = field(default_factory=lambda: {c: Counts() for c in CATEGORIES})
    structure: list[tuple[str, bool, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    measures: int = 0


def _key(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _resolve(text: str, items: list[str], start: int, name: str) -> list[tuple[int, int]]:
    """Spans of labelled surface forms, found in order from ``start``."""
    spans = []
    pos = start
    for item in items:
        if item.startswith("@"):  # a cursor move: "@第三条" skips unlabelled text before it
            at = text.find(item[1:], pos)
            if at < 0:
                raise ValueError(f"{name}: anchor {item!r} not found after offset {pos}")
            pos = at
            continue
        at = text.find(item, pos)
        if at < 0:
            raise ValueError(f"{name}: label {item!r} not found after offset {pos}; labels of a "
                             "category must follow the text's order")
        spans.append((at, at + len(item)))
        pos = at + len(item)
    return spans


def _label_items(raw: Iterable[Any]) -> list[tuple[str, frozenset[str] | None]]:
    out: list[tuple[str, frozenset[str] | None]] = []
    for item in raw or []:
        if isinstance(item, dict):
            (text, keys), = item.items()
            out.append((str(text), frozenset(str(k) for k in keys)))
        else:
            out.append((str(item), None))
    return out


def _match(
    gold: list[tuple[int, int, frozenset[str] | None, str]],
    pred: list[tuple[int, int, frozenset[str] | None, str]],
    lenient: bool,
) -> tuple[Counts, list[str], list[str]]:
    """One-to-one matching of gold and predicted spans (same span, or overlap if lenient)."""
    used: set[int] = set()
    tp = 0
    missed = []
    for g_begin, g_end, g_keys, g_text in gold:
        found = None
        for i, (p_begin, p_end, p_keys, _) in enumerate(pred):
            if i in used:
                continue
            same = (p_begin, p_end) == (g_begin, g_end)
            overlap = p_begin < g_end and g_begin < p_end
            if (same or (lenient and overlap)) and (g_keys is None or g_keys == p_keys):
                found = i
                break
        if found is None:
            missed.append(g_text)
        else:
            used.add(found)
            tp += 1
    extra = [p[3] for i, p in enumerate(pred) if i not in used]
    return Counts(tp, len(pred) - len(used), len(gold) - tp), missed, extra


def evaluate_document(record: DocumentRecord, labels: dict[str, Any], name: str) -> DocResult:
    """Compare one extracted record with its labels."""
    result = DocResult(name=name, measures=len(record.measures))
    text = record.full_text
    body_start = record.sections[0].begin if record.sections else 0
    for category, kind in _KIND.items():
        items = _label_items(labels.get(category) or [])
        spans = _resolve(text, [t for t, _ in items], body_start, f"{name} {category}")
        items = [item for item in items if not item[0].startswith("@")]
        gold = [(b, e, keys, t) for (b, e), (t, keys) in zip(spans, items, strict=True)]
        seen: set[tuple[int, int]] = set()
        pred = []
        for measure in record.measures:
            for mention in measure.mentions:
                if mention.kind == kind and (mention.begin, mention.end) not in seen:
                    seen.add((mention.begin, mention.end))
                    keys = frozenset(map(_key, mention.concepts)) if kind == "region" else None
                    pred.append((mention.begin, mention.end, keys, mention.text))
        if kind != "region":
            gold = [(b, e, None, t) for b, e, _, t in gold]
        for lenient, table in ((False, result.strict), (True, result.lenient)):
            counts, missed, extra = _match(gold, pred, lenient)
            table[category] = counts
            if not lenient:
                result.errors += [f"{category} missed: {m}" for m in missed]
                result.errors += [f"{category} extra: {x}" for x in extra]
    for item in labels.get("owners") or []:
        at = text.find(item["at"], body_start)
        expected = {str(k) for k in item.get("ministries") or []}
        measure = next((m for m in record.measures if at >= 0 and m.begin <= at < m.end), None)
        got = {_key(o.ministry) for o in measure.owners} if measure else set()
        counts = Counts(len(got & expected), len(got - expected), len(expected - got))
        result.strict["owners"].add(counts)
        result.lenient["owners"].add(counts)
        if got != expected:
            result.errors.append(f"owners at {item['at']}: expected {sorted(expected)}, got "
                                 f"{sorted(got)}" + ("" if measure else " (no measure there)"))
    expect = labels.get("expect") or {}
    checks = {
        "title": (record.title, expect.get("title")),
        "number": (record.number, expect.get("number")),
        "issuers": ([_key(i) for i in record.issuers], expect.get("issuers")),
        "sections": (len(record.sections), expect.get("sections")),
        "targets": (sorted({t.year for t in record.targets}), expect.get("targets")),
        "issued": (record.issued, expect.get("issued")),
    }
    for check, (got_value, want) in checks.items():
        if check in expect:
            result.structure.append((check, got_value == want, f"got {got_value!r}, want {want!r}"))
    return result


def _documents(directory: Path) -> list[tuple[Path, Path]]:
    pairs = []
    for label_file in sorted(directory.glob("*.yaml")):
        labels = yaml.safe_load(label_file.read_text(encoding="utf-8")) or {}
        if labels.get("file"):
            doc = (label_file.parent / labels["file"]).resolve()
        else:
            docs = [p for p in directory.glob(label_file.stem + ".*") if p.suffix != ".yaml"]
            if not docs:
                raise FileNotFoundError(f"{label_file}: no document named {label_file.stem}.*")
            doc = docs[0]
        pairs.append((doc, label_file))
    return pairs


def evaluate(directory: Path, lexicon: Lexicon) -> tuple[list[DocResult], list[DocResult]]:
    """Results for the evaluation documents and for the seed (labels with a ``file:`` key).

    Raises:
        LoaderError: a labelled document cannot be loaded.
        ValueError: a label does not occur in its document.
    """
    docs, seeds = [], []
    for doc, label_file in _documents(directory):
        labels = yaml.safe_load(label_file.read_text(encoding="utf-8")) or {}
        record = load_document(doc, lexicon)
        result = evaluate_document(record, labels, doc.name)
        (seeds if labels.get("file") else docs).append(result)
    return docs, seeds


def _table(title: str, results: list[DocResult]) -> list[str]:
    lines = [title, f"{'category':<12} {'P':>6} {'R':>6} {'F1':>6}   {'lenient P':>9} "
             f"{'R':>6} {'F1':>6}   {'tp/fp/fn (strict)':>18}"]
    for category in CATEGORIES:
        strict, lenient = Counts(), Counts()
        for result in results:
            strict.add(result.strict[category])
            lenient.add(result.lenient[category])
        lines.append(
            f"{category:<12} {strict.precision:6.3f} {strict.recall:6.3f} {strict.f1:6.3f}   "
            f"{lenient.precision:9.3f} {lenient.recall:6.3f} {lenient.f1:6.3f}   "
            f"{f'{strict.tp}/{strict.fp}/{strict.fn}':>18}"
        )
    checks = [c for r in results for c in r.structure]
    lines.append(f"structure checks passed: {sum(ok for _, ok, _ in checks)}/{len(checks)}; "
                 f"measures: {', '.join(f'{r.name} {r.measures}' for r in results)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print the evaluation report; exit status 1 when a document or label cannot be used."""
    parser = argparse.ArgumentParser(prog="python -m loaders.evaluate", description=__doc__)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR,
                        help="folder of labelled documents (default: %(default)s)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="list every miss, extra mention and failed check")
    args = parser.parse_args(argv)
    from graph.lexicon import build_lexicon  # noqa: TID251 - a dev tool above the data flow

    try:
        docs, seeds = evaluate(args.dir, build_lexicon())
    except (LoaderError, ValueError, FileNotFoundError) as exc:
        parser.exit(1, f"evaluate: error: {exc}\n")
    out = _table(f"Evaluation set ({len(docs)} documents, {args.dir})", docs)
    if seeds:
        out += ["", *_table("Seed document (sections)", seeds)]
    if args.verbose:
        for result in [*docs, *seeds]:
            out += ["", f"== {result.name}"]
            out += [f"  structure {name}: {msg}" for name, ok, msg in result.structure if not ok]
            out += [f"  {e}" for e in result.errors]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
