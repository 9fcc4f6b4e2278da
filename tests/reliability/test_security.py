"""Security: writes only with the admin token (never logged), no outbound request from what a
client sends (JSON-LD contexts, owl:imports, XML entities in uploads), security headers on every
HTML page, and a SECURITY.md that states the limits the code really has.

SERVICE, FROM, LOAD and the protocol's dataset parameters are covered by
``tests/api/test_sparql_security.py`` with the same kind of loopback listener.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.api.test_sparql_security import Listener
from tests.reliability import documents
from tests.reliability.conftest import (
    ADMIN_TOKEN,
    NOTICE,
    ROOT,
    copy_store,
    live_copy,
    snapshot,
)

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MARKER = "MARKER-7c1e0f2b"


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


# -- writes and the token -------------------------------------------------------------------------


@pytest.mark.slow
def test_writes_need_the_token_which_never_reaches_the_log(
    store_copy: Path, serve: Any
) -> None:
    server = serve(store_copy, admin_token=ADMIN_TOKEN)
    before = snapshot(store_copy)
    upload = {"file": ("notice.txt", NOTICE.encode("utf-8"))}
    wrong = {"Authorization": "Bearer not-the-token"}
    update = {"update": "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }"}
    refused = [
        requests.post(f"{server.url}/api/v1/documents", files=upload, timeout=60),
        requests.post(f"{server.url}/api/v1/documents", files=upload, headers=wrong, timeout=60),
        requests.post(f"{server.url}/sparql", data=update, timeout=60),
        requests.post(f"{server.url}/sparql", data=update, headers=wrong, timeout=60),
        requests.delete(f"{server.url}/api/v1/documents/2021-215-fdd91f", timeout=60),
        requests.delete(f"{server.url}/api/v1/documents/2021-215-fdd91f", headers=wrong,
                        timeout=60),
        # The token in the wrong place is no token (and must not be logged either).
        requests.post(f"{server.url}/sparql?access_token={ADMIN_TOKEN}", data=update, timeout=60),
    ]
    assert [r.status_code for r in refused] == [401] * len(refused)
    assert all(ADMIN_TOKEN not in r.text for r in refused)
    assert snapshot(store_copy) == before

    query = f'ASK {{ ?s ?p "{MARKER}" }}'
    assert requests.get(f"{server.url}/sparql", params={"query": query}, timeout=60).ok
    loaded = requests.post(f"{server.url}/api/v1/documents", files=upload, headers=AUTH,
                           timeout=120)
    assert loaded.status_code == 201, loaded.text
    written = requests.post(f"{server.url}/sparql", data=update, headers=AUTH, timeout=60)
    assert written.status_code == 204
    metrics = requests.get(f"{server.url}/metrics", timeout=60).text

    log = server.log_text()
    assert ADMIN_TOKEN not in log and ADMIN_TOKEN not in metrics
    assert "not-the-token" not in log
    assert MARKER not in log  # the query text stays out of the log; its hash goes in
    digest = hashlib.blake2b(query.encode(), digest_size=8).hexdigest()
    assert f'"qhash":"{digest}"' in log
    assert '"method":"POST","path":"/api/v1/documents","route":"/api/v1/documents",' \
           '"status":201' in log


# -- no outbound request --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live(seed_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with live_copy(seed_template, tmp_path_factory.mktemp("security"),
                   admin_token=ADMIN_TOKEN) as (server, _):
        yield server


def test_json_ld_contexts_are_never_fetched(live: Any, listener: Listener) -> None:
    from pyld import jsonld

    from api.jsonld import graph_document, local_loader

    # Data that names a remote context: a context of the listener inside a literal, and a
    # JSON-LD document handed to the same loader the API compacts with.
    insert = (f'INSERT DATA {{ GRAPH <http://example.org/g> {{ <http://example.org/x> '
              f'<http://example.org/ctx> "{listener.url}/context.jsonld" }} }}')
    assert requests.post(live.sparql, data={"update": insert}, headers=AUTH,
                         timeout=60).status_code == 204
    for url, accept in (
        (f"{live.url}/api/v1/measures?page_size=5", "application/ld+json"),
        (f"{live.url}/api/v1/ministries/MIIT", "application/ld+json"),
        (f"{live.url}/id/ministry/MIIT?format=jsonld", "application/ld+json"),
        (f"{live.sparql}?query=CONSTRUCT%7B?s?p?o%7DWHERE%7B?s?p?o%7DLIMIT%2050",
         "application/ld+json"),
    ):
        response = requests.get(url, headers={"Accept": accept}, timeout=60)
        assert response.status_code == 200, (url, response.text[:300])
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand({"@context": f"{listener.url}/context.jsonld", "@id": "x"},
                      {"documentLoader": local_loader})
    graph_document(b'<http://example.org/x> <http://example.org/p> "v" .\n')
    assert listener.hits == []


@pytest.mark.java
@pytest.mark.slow
def test_owl_imports_in_data_are_never_fetched(live: Any, listener: Listener) -> None:
    """``policykg validate`` hands the store's data to HermiT through owlready2, which downloads
    every owl:imports it meets; an import written into the store (SPARQL Update) must not."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import OWL, RDF

    from graph.validate import check_consistency

    evil = URIRef("http://example.org/evil-ontology")
    insert = (f"INSERT DATA {{ GRAPH <http://example.org/imports> {{ <{evil}> a <{OWL.Ontology}> ;"
              f" <{OWL.imports}> <{listener.url}/imported.owl> }} }}")
    assert requests.post(live.sparql, data={"update": insert}, headers=AUTH,
                         timeout=60).status_code == 204
    loaded = requests.post(f"{live.url}/api/v1/documents", headers=AUTH, timeout=120,
                           files={"file": ("notice.txt", NOTICE.encode("utf-8"))})
    assert loaded.status_code in (200, 201), loaded.text  # the inferred graph was recomputed
    data = Graph()
    data.add((evil, RDF.type, OWL.Ontology))
    data.add((evil, OWL.imports, URIRef(f"{listener.url}/imported.owl")))
    data.add((URIRef("https://w3id.org/policykg/ontology"), OWL.imports,
              URIRef(f"{listener.url}/second.owl")))
    report = check_consistency(data)
    assert report.consistent
    assert listener.hits == []


def test_entities_in_uploaded_xml_are_never_expanded_or_fetched(
    live: Any, listener: Listener
) -> None:
    html_laughs = (
        '<!DOCTYPE html [<!ENTITY a "通知通知通知通知通知通知通知通知">'
        + "".join(f'<!ENTITY {c} "{f"&{p};" * 10}">' for p, c in zip("abcdefgh", "bcdefghi",
                                                                        strict=True))
        + f'<!ENTITY ext SYSTEM "{listener.url}/ext">]>'
        "<html><body><p>&i;&ext;</p></body></html>"
    ).encode()
    for name, data in (
        ("laughs.docx", documents.billion_laughs_docx()),
        ("xxe.docx", documents.external_entity_docx(f"{listener.url}/xxe")),
        ("laughs.html", html_laughs),
    ):
        response = requests.post(f"{live.url}/api/v1/documents", headers=AUTH, timeout=120,
                                 files={"file": (name, data)})
        assert response.status_code == 422, (name, response.text[:300])
        assert len(response.content) < 10_000  # nothing was expanded into the answer
    insert_xml = (
        '<http://example.org/x> <http://example.org/p> "<!DOCTYPE x [<!ENTITY e SYSTEM \\"'
        f'{listener.url}/e\\">]><x>&e;</x>"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#'
        "XMLLiteral> ."
    )
    refused = requests.post(live.sparql, headers=AUTH, timeout=60,
                            data={"update": f"INSERT DATA {{ {insert_xml} }}"})
    assert refused.status_code == 403
    assert listener.hits == []


def test_listener_hears_a_request(listener: Listener) -> None:
    """The listener does record a request when one is made (so its silence means it)."""
    before = len(listener.hits)
    requests.get(f"{listener.url}/probe", timeout=10)
    assert len(listener.hits) == before + 1
    listener.hits.clear()


# -- security headers -----------------------------------------------------------------------------


def test_every_html_page_carries_the_security_headers(seed_template: Path, tmp_path: Path) -> None:
    from api import create_app
    from graph.store import open_store

    store = open_store(f"oxigraph:{copy_store(seed_template, tmp_path / 'store')}")
    app = create_app({"store": "memory:"}, store=store)
    client = app.test_client()
    try:
        catalogue = client.get("/api/v1/queries").get_json()["queries"]
        documents_ = client.get("/api/v1/documents").get_json()["member"]
        doc_path = documents_[0]["id"].split("/id/", 1)[1]
        pages = ["/", "/queries", "/charts", "/api/v1/docs", "/sparql", f"/id/{doc_path}",
                 f"/id/{doc_path}/measure/1", "/id/ministry/MIIT", "/id/doc/no-such-thing",
                 "/queries/no-such-query",
                 *[f"/queries/{q['name']}" for q in catalogue]]
        for path in pages:
            response = client.get(path, headers={"Accept": "text/html"})
            assert response.mimetype == "text/html", (path, response.status_code)
            csp = response.headers.get("Content-Security-Policy", "")
            assert "default-src 'self'" in csp and "script-src 'self'" in csp, (path, csp)
            assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
            assert "frame-ancestors 'none'" in csp, path
            assert response.headers.get("X-Content-Type-Options") == "nosniff", path
    finally:
        app.extensions["policykg"].close()
        store.close()


# -- SECURITY.md ----------------------------------------------------------------------------------


def test_security_md_states_the_limits_the_code_has() -> None:
    from graph.config import Settings
    from graph.sparql_text import MAX_NESTING
    from loaders.reading import MAX_CHARS, MAX_DOCX_PART

    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    defaults = Settings()

    def mentions(number: str) -> bool:
        return re.search(rf"(?<![\d,]){re.escape(number)}(?![\d,])", text) is not None

    assert mentions(f"{defaults.query_timeout:g} s")
    assert mentions(f"{defaults.max_rows:,}")
    assert mentions(f"{defaults.max_body // 2**20} MiB")
    assert mentions(f"{defaults.max_upload // 2**20} MiB")
    assert mentions(f"{defaults.query_memory:,} MiB")
    assert mentions(str(MAX_NESTING))
    assert mentions(f"{MAX_CHARS:,}")
    assert mentions(f"{MAX_DOCX_PART // 2**20} MiB")
    for word in ("SERVICE", "LOAD", "POLICYKG_ADMIN_TOKEN", "owl:imports", "JSON-LD",
                 "/healthz", "/metrics"):
        assert word in text, word
