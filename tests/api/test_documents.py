"""Writes: POST /api/v1/documents loads a document, DELETE removes one; both need the token."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from graph.loading import INFERRED_GRAPH
from tests.queries.fixture import BACKENDS, fixture_app, fixture_store

TOKEN = "test-token-of-the-admin"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ID = "https://w3id.org/policykg/id/"
NOTICE = """关于支持边境地区承接产业转移的通知
测试联发〔2026〕7号

各省、自治区、直辖市工业和信息化主管部门：

为推动边境地区承接产业转移，现就有关事项通知如下。

一、加强规划引导

引导劳动密集型产业向边境地区有序转移。支持边境地区建设综合保税区，海关总署优化通关监管。

二、强化政策支持

鼓励中西部地区设立产业转移基金，国家发展改革委安排中央预算内投资予以支持。

工业和信息化部
2026年3月1日
"""
"""An invented notice of the genre (not the bundled document)."""


@pytest.fixture(params=BACKENDS)
def write_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh store with the fixture for each test (these tests write)."""
    with fixture_store(request.param, tmp_path) as store:
        yield store


@pytest.fixture
def client(write_store: Any) -> Iterator[Any]:
    with fixture_app(write_store, admin_token=TOKEN) as app:
        yield app.test_client()


def quads(store: Any) -> set[str]:
    out = io.BytesIO()
    store.dump(out)
    return {str(q) for q in ox.parse(out.getvalue(), format=ox.RdfFormat.N_QUADS)}


def upload(client: Any, text: str = NOTICE, name: str = "notice.txt", **headers: str) -> Any:
    data = {"file": (io.BytesIO(text.encode("utf-8")), name)}
    return client.post("/api/v1/documents", data=data, headers=headers or AUTH,
                       content_type="multipart/form-data")


def test_writes_need_the_token(client: Any, write_store: Any) -> None:
    before = quads(write_store)
    missing = upload(client, headers={"X-Nothing": "1"})
    assert missing.status_code == 401
    assert "Bearer" in missing.headers["WWW-Authenticate"]
    wrong = upload(client, Authorization="Bearer not-the-token")
    assert wrong.status_code == 401
    assert TOKEN not in wrong.get_data(as_text=True)
    gone = client.delete("/api/v1/documents/test-2022-001")
    assert gone.status_code == 401
    assert quads(write_store) == before


def test_a_read_only_deployment_refuses_writes(write_store: Any) -> None:
    with fixture_app(write_store) as app:
        response = app.test_client().post("/api/v1/documents", data={"text": NOTICE},
                                          headers=AUTH)
    assert response.status_code == 403
    assert "POLICYKG_ADMIN_TOKEN" in response.get_json()["message"]


def test_upload_then_query_then_replace(client: Any, write_store: Any) -> None:
    loaded = upload(client)
    assert loaded.status_code == 201, loaded.get_data(as_text=True)
    body = loaded.get_json()
    assert body["measures"] == 3 and loaded.headers["Location"] == body["url"]
    iri = body["id"]
    assert iri in write_store.graph_names()
    document = client.get(body["url"]).get_json()
    assert document["documentNumber"] == "测试联发〔2026〕7号"
    measures = client.get("/api/v1/measures", query_string={"document": iri}).get_json()
    assert len(measures["member"]) == 3
    border = client.get("/api/v1/queries/measures_for_region_type/results?region=边境地区"
                        ).get_json()["results"]
    assert any(r["measure"].startswith(iri) for r in border)
    again = upload(client)
    assert again.status_code == 200 and again.get_json()["replaced"] is True
    assert again.get_json()["id"] == iri
    as_text = client.post("/api/v1/documents", data={"text": NOTICE, "name": "again.txt"},
                          headers=AUTH)
    assert as_text.status_code == 200
    plain = client.post("/api/v1/documents", data=NOTICE.encode("utf-8"),
                        headers={**AUTH, "Content-Type": "text/plain; charset=utf-8"})
    assert plain.status_code == 200


@pytest.mark.parametrize("text", ["   \n", "今天天气很好，我们去公园散步。"])
def test_a_refused_document_changes_nothing(client: Any, write_store: Any, text: str) -> None:
    before = quads(write_store)
    refused = upload(client, text=text, name="not-a-policy.txt")
    if not text.strip():
        assert refused.status_code == 400  # empty: nothing to give the loader
    else:
        assert refused.status_code == 422
        body = refused.get_json()
        assert body["error"] == "Unprocessable Content"
        assert "no policy measures found" in body["message"]
    assert quads(write_store) == before


def test_delete_removes_the_document_and_what_was_inferred_from_it(
    client: Any, write_store: Any
) -> None:
    key = "test-2022-001"
    iri = f"{ID}doc/{key}"
    assert client.get(f"/api/v1/documents/{key}").status_code == 200
    inferred_before = {q for q in quads(write_store) if f"<{INFERRED_GRAPH}>" in q}
    assert any(f"<{iri}/measure/1>" in q for q in inferred_before)  # e.g. inverse properties
    deleted = client.delete(f"/api/v1/documents/{key}", headers=AUTH)
    assert deleted.status_code == 204
    assert iri not in write_store.graph_names()
    assert not any(f"<{iri}" in q for q in quads(write_store))
    assert client.get(f"/api/v1/documents/{key}").status_code == 404
    assert client.delete(f"/api/v1/documents/{key}", headers=AUTH).status_code == 404
    assert client.delete("/api/v1/documents/..%2Fx", headers=AUTH).status_code == 404
    others = client.get("/api/v1/documents").get_json()["member"]
    assert [d["key"] for d in others] == ["2021-215-fdd91f"]
