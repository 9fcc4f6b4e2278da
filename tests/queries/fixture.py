"""The canned-query fixture graph, loaded into any store the way a build would leave it.

``tests/data/queries.trig`` holds two hand-written documents (see its header for the facts the
tests rely on). :func:`load_fixture` adds the ontology graph and computes the inferred graph with
the build's own rules (``graph.reasoning``), so the queries read what a real build writes.

The fixtures of ``tests/queries`` (in its conftest.py) and of the REST tests in ``tests/api``
build on these functions.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

DATA = Path(__file__).resolve().parent.parent / "data"
FIXTURE = DATA / "queries.trig"
BACKENDS = ("memory", "oxigraph")


def fixture_graphs() -> dict[str, list[ox.Triple]]:
    """The fixture's named graphs: graph IRI → triples."""
    graphs: dict[str, list[ox.Triple]] = defaultdict(list)
    for quad in ox.parse(path=str(FIXTURE), format=ox.RdfFormat.TRIG):
        assert isinstance(quad.graph_name, ox.NamedNode), "the fixture puts every triple in a graph"
        graphs[quad.graph_name.value].append(quad.triple)
    return dict(graphs)


def load_fixture(store: Any) -> Any:
    """Write the ontology, the fixture documents and the inferred graph into ``store``."""
    from graph.loading import INFERRED_GRAPH, ONTOLOGY_GRAPH, ontology_triples
    from graph.reasoning import inferred_triples

    with store.writer() as writer:
        writer.replace_graphs({ONTOLOGY_GRAPH: ontology_triples(), **fixture_graphs()})
        writer.replace_graphs({INFERRED_GRAPH: inferred_triples(writer)})
    return store


def open_fixture_store(kind: str, directory: Path) -> Any:
    """A new store of ``kind`` (memory, oxigraph) holding the fixture."""
    from graph.store import open_store

    store = open_store(f"oxigraph:{directory / 'store'}" if kind == "oxigraph" else "memory:")
    return load_fixture(store)


@contextlib.contextmanager
def served_fixture(directory: Path) -> Iterator[Any]:
    """The fixture in a real ``oxigraph serve`` of its own, reached as a ``sparql:`` store.

    The server is private to its tests (the shared ``oxigraph_server`` may hold other data
    under the same graph names).
    """
    from graph.store import open_store
    from tests.servers import make_oxigraph_server, running

    with running(make_oxigraph_server(directory)) as server:
        store = open_store(server.store_spec)
        load_fixture(store)
        yield store
        store.close()


@contextlib.contextmanager
def virtuoso_fixture(directory: Path) -> Iterator[Any]:
    """The fixture in a private Virtuoso, as a ``sparql:`` store.

    The inferred graph is computed on an embedded copy and written as data: the build's rule
    for the ``skos:broader`` closure (``?a skos:broader+ ?b`` with both ends open) is refused
    by Virtuoso 7 ("transitive start not given").
    """
    from graph.loading import INFERRED_GRAPH, ONTOLOGY_GRAPH, ontology_triples
    from graph.reasoning import inferred_triples
    from graph.store import open_store
    from tests.servers import make_virtuoso_server, running

    reference = open_fixture_store("oxigraph", directory / "reference")
    with reference.writer() as session:  # one write session: a store-level update publishes
        inferred = inferred_triples(session)  # a new generation each time (~70 s for 387 rules)
    reference.close()
    with running(make_virtuoso_server(directory / "virtuoso")) as server:
        store = open_store(server.store_spec)
        store.replace_graphs(
            {ONTOLOGY_GRAPH: ontology_triples(), **fixture_graphs(), INFERRED_GRAPH: inferred}
        )
        yield store
        store.close()


@contextlib.contextmanager
def fixture_store(kind: str, directory: Path) -> Iterator[Any]:
    """The fixture in a store of ``kind``: memory, oxigraph, or served (a private server)."""
    if kind == "served":
        with served_fixture(directory) as store:
            yield store
        return
    store = open_fixture_store(kind, directory)
    try:
        yield store
    finally:
        store.close()


@contextlib.contextmanager
def fixture_app(store: Any, **config: Any) -> Iterator[Any]:
    """An app over ``store`` (settings overridden by ``config``) whose query workers stop at
    the end. The canned-answer cache is off unless ``config`` turns it on, so a test that
    replaces ``Services.run`` sees every request (the cache has its own tests)."""
    from api import create_app

    app = create_app({"store": "memory:", "response_cache": 0, **config}, store=store)
    try:
        yield app
    finally:
        services_of(app).close()


def services_of(app: Any) -> Any:
    """The :class:`api.services.Services` of an app (``api.services`` names both a function of
    the package and its module; which one ``from api import services`` gives depends on the
    import order, so tests read the extension directly)."""
    return app.extensions["policykg"]
