"""Fixtures of the loader tests: the evaluation documents and a loader bound to the lexicon."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

EVAL = Path(__file__).resolve().parent.parent / "data" / "eval"
DATA = Path(__file__).resolve().parent.parent / "data" / "loaders"


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    """The labelled evaluation documents."""
    return EVAL


@pytest.fixture(scope="session")
def load(lexicon: Any) -> Callable[..., Any]:
    """``load(source, **kw)``: ``loaders.load_document`` with the session's lexicon."""
    from loaders import load_document

    def run(source: Path | bytes | str, **kwargs: Any) -> Any:
        return load_document(source, lexicon, **kwargs)

    return run


@pytest.fixture(scope="session")
def eval_record(load: Callable[..., Any]) -> Callable[[str], Any]:
    """The record of an evaluation document, by the start of its file name ("01", "06" …)."""
    cache: dict[str, Any] = {}

    def get(prefix: str) -> Any:
        if prefix not in cache:
            (path,) = [p for p in EVAL.iterdir()
                       if p.name.startswith(prefix) and p.suffix != ".yaml"]
            cache[prefix] = load(path)
        return cache[prefix]

    return get


def iri_key(iri: str) -> str:
    """The last path segment of an IRI (ministry/MIIT → MIIT)."""
    return iri.rstrip("/").rsplit("/", 1)[-1]
