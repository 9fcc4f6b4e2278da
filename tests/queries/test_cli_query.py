"""``policykg query``: the same canned queries from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.cli import main
from tests.queries.fixture import open_fixture_store


@pytest.fixture(scope="module")
def store_spec(tmp_path_factory: pytest.TempPathFactory) -> str:
    directory = tmp_path_factory.mktemp("cli-query")
    open_fixture_store("oxigraph", directory).close()
    return f"oxigraph:{directory / 'store'}"


def test_query_by_name_with_a_typed_word(store_spec: str, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    code = main(["--store", store_spec, "query", "departments_for_region_type",
                 "--param", "region=边境地区", "--format", "table"])
    out = capsys.readouterr()
    assert code == 0
    lines = out.out.splitlines()
    assert lines[0].split()[:4] == ["region", "ministry", "ministryLabel", "measures"]
    assert {line.split()[2] for line in lines[2:]} == {"海关总署", "工业和信息化部"}
    assert "(2 rows)" in out.err


def test_query_csv_and_errors(store_spec: str, capsys: pytest.CaptureFixture[str],
                              tmp_path: Path) -> None:
    assert main(["--store", store_spec, "query", "measures_for_province",
                 "--param", "province=云南省", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("province,via,region,")
    with pytest.raises(SystemExit) as caught:
        main(["--store", store_spec, "query", "departments_for_region_type",
              "--param", "region=http://evil.example/x"])
    assert caught.value.code == 2
    assert "region must be one of" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--store", store_spec, "query", "no_such_query"])
    assert "departments_for_region_type" in capsys.readouterr().err
