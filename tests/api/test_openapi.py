"""The OpenAPI description: T7 (valid, complete, generated from the registry) and T8
(schemathesis: the API answers as it says) of QUERIES.md §9.8; the docs page."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate
from schemathesis.config import SchemathesisConfig

from api import create_app
from api.resources import COLLECTIONS
from graph.catalogue import class_members, load_catalogue
from graph.namespace import PREFIXES
from tests.queries.fixture import fixture_app, fixture_store, services_of

CATALOGUE = load_catalogue()
MAX_EXAMPLES = 5
"""Examples per operation in T8: enough to walk every operation, small enough to stay fast."""


@pytest.fixture(scope="module", params=[
    "oxigraph", pytest.param("served", marks=pytest.mark.oxigraph_server)
])
def spec_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[Any]:
    """The fixture in the embedded store and behind a real ``oxigraph serve``."""
    with fixture_store(request.param, tmp_path_factory.mktemp("openapi")) as store:
        yield store


@pytest.fixture(scope="module")
def spec_app(spec_store: Any) -> Iterator[Any]:
    with fixture_app(spec_store) as app:
        yield app


@pytest.fixture(scope="module")
def spec(spec_app: Any) -> dict[str, Any]:
    response = spec_app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_openapi_is_valid_and_complete(spec: dict[str, Any], spec_store: Any) -> None:
    """T7: valid 3.1, one run_<name> per file, class enums equal the graph's members."""
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    operations = {
        op["operationId"]: (path, method, op)
        for path, methods in spec["paths"].items() for method, op in methods.items()
    }
    runs = sorted(o.removeprefix("run_") for o in operations
                  if o.startswith("run_") and not o.endswith("_post"))
    assert runs == sorted(CATALOGUE)
    for name, query in CATALOGUE.items():
        path, method, op = operations[f"run_{name}"]
        assert path == f"/queries/{name}/results" and method == "get"
        assert op["x-sparql"] == query.text
        assert op["summary"] == query.summary("en") and op["x-summary-zh"] == query.summary("zh")
        assert f"run_{name}_post" in operations
        params = {p["name"]: p for p in op["parameters"]}
        for spec_ in query.params.values():
            schema = params[spec_.name]["schema"]
            if spec_.multiple:
                assert schema["type"] == "array"
                schema = schema["items"]
            if spec_.type == "iri" and spec_.cls:
                members = class_members(spec_store, spec_.cls, PREFIXES)
                assert schema["enum"] == sorted(members)
            assert params[spec_.name]["required"] == spec_.required
        if query.pagination:
            assert {"page", "page_size", "count", "format"} <= set(params)
            columns = (op["responses"]["200"]["content"]["application/json"]["schema"]
                       ["properties"]["results"]["items"]["properties"])
            assert list(columns) == list(query.columns)
    for resource in ("documents", "measures", "ministries", "region-types", "provinces",
                     "industries", "instruments"):
        assert "get" in spec["paths"][f"/{resource}"]
        assert "get" in spec["paths"][f"/{resource}/{{key}}"]
    assert {"post"} <= set(spec["paths"]["/documents"])
    assert {"delete"} <= set(spec["paths"]["/documents/{key}"])


def test_a_new_rq_file_adds_an_operation(tmp_path: Path, spec_store: Any) -> None:
    """T7: copy a query file into a folder with a new name: a new operation after a restart."""
    folder = tmp_path / "queries"
    folder.mkdir()
    for path in CATALOGUE["measures_owned_by"].path.parent.glob("*.rq"):
        shutil.copy(path, folder / path.name)
    text = CATALOGUE["measures_owned_by"].text.replace(
        "#+   en: Measures a department owns, with the reason for each",
        "#+   en: Measures of a department, a copy for the test", 1)
    (folder / "copied_measures_of_a_department.rq").write_text(text, encoding="utf-8")
    app = create_app({"store": "memory:"}, store=spec_store, queries=folder)
    try:
        client = app.test_client()
        spec = client.get("/api/v1/openapi.json").get_json()
        validate(spec)
        op = spec["paths"]["/queries/copied_measures_of_a_department/results"]["get"]
        assert op["operationId"] == "run_copied_measures_of_a_department"
        assert op["summary"] == "Measures of a department, a copy for the test"
        names = [q["name"] for q in client.get("/api/v1/queries").get_json()["queries"]]
        assert "copied_measures_of_a_department" in names
        answer = client.get("/api/v1/queries/copied_measures_of_a_department/results"
                            "?ministry=海关总署")
        assert answer.status_code == 200 and answer.get_json()["results"]
    finally:
        services_of(app).close()


def test_the_docs_page_lists_every_operation(spec_app: Any, spec: dict[str, Any]) -> None:
    response = spec_app.test_client().get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for methods in spec["paths"].values():
        for op in methods.values():
            assert f'id="{op["operationId"]}"' in page
    assert "哪些部门负责面向 ?region 的措施？" in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    script = spec_app.test_client().get("/api/v1/docs/init.js")
    assert script.status_code == 200 and "openapi.json" in script.get_data(as_text=True)


# -- T8: schemathesis -------------------------------------------------------------------------
#
# schemathesis 4.32's pytest plugin (``from_fixture(...).parametrize()``) fails under pytest 9
# (it reads ``Function._nodeid``), so the cases are drawn here with Hypothesis from each
# operation's strategy, one test per operation.

WRITES = {"POST /documents", "DELETE /documents/{key}"}
LABELS = sorted(
    [f"GET /queries/{n}/results" for n in CATALOGUE]
    + [f"POST /queries/{n}/results" for n in CATALOGUE]
    + [f"GET /{c}" for c in COLLECTIONS] + [f"GET /{c}/{{key}}" for c in COLLECTIONS]
    + ["GET /queries", "GET /queries/{name}", "GET /context/v1.jsonld"]
)
"""Every operation but the writes and ``GET /openapi.json`` (schemathesis leaves out the
description's own location; T7 checks it)."""


@pytest.fixture(scope="module")
def api_schema(spec_app: Any) -> Any:
    config = SchemathesisConfig.from_dict({
        "generation": {"max-examples": MAX_EXAMPLES, "mode": "positive", "database": "none"},
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    })
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", spec_app, config=config)


def test_every_operation_is_exercised(api_schema: Any) -> None:
    found = {r.ok().label for r in api_schema.get_all_operations()}
    assert found - WRITES == set(LABELS)  # writes: tests/api/test_documents.py


@pytest.mark.parametrize("label", LABELS)
def test_api_conforms_to_its_spec(api_schema: Any, label: str) -> None:
    """T8: no 5xx; status codes, content types and bodies as documented; valid data accepted."""
    operation = next(r.ok() for r in api_schema.get_all_operations() if r.ok().label == label)

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        case.call_and_validate()

    check()
