"""Bad documents are refused with a message that says what is wrong, and nothing is written.

Empty, binary, undecodable, truncated, too big, a zip bomb, a .docx with entity declarations,
an HTML page without a body, a PDF without a text layer: through ``policykg build`` (exit
status 1, one ``refused NAME: message`` line each) and through ``POST /api/v1/documents``
(422 with the loader's message; 400 for an empty body and 413 for one over the upload limit,
which the API refuses before reading it). The store's content is compared before and after.
"""

from __future__ import annotations

import resource
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.reliability import documents
from tests.reliability.conftest import ADMIN_TOKEN, live_copy, run_cli, snapshot

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
FIFTY_MB = 50 * 1000 * 1000


def _fifty_mb_text() -> bytes:
    line = "各地区要加强规划引导，推动产业有序转移，支持边境地区建设综合保税区。\n".encode()
    return line * (FIFTY_MB // len(line) + 1)


@pytest.fixture(scope="module")
def bad_documents() -> dict[str, tuple[bytes, str]]:
    """File name → (bytes, words the refusal must contain)."""
    return {
        "empty.txt": (b"", "empty"),
        "image.txt": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "PNG image"),
        "binary.txt": (bytes((i * 7919) % 256 for i in range(5000)), "binary"),
        "undecodable.txt": (documents.undecodable_text(), "cannot decode the text"),
        "truncated.docx": (documents.docx_of(["关于支持产业转移的通知"] * 60)[:700], "broken"),
        "truncated.pdf": (documents.text_pdf(["Industrial transfer notice"] * 20)[:300],
                          "PDF cannot be read"),
        "zip-bomb.docx": (documents.zip_bomb_docx(256), "zip bomb"),
        "entities.docx": (documents.billion_laughs_docx(), "DTD or XML entities"),
        "no-body.html": (b"<!DOCTYPE html><html><head><title>\xe9\x80\x9a\xe7\x9f\xa5</title>"
                         b"</head></html>", "no text"),
        "scan.pdf": (documents.image_only_pdf(), "no text layer"),
    }


def test_zip_bomb_is_small_and_expands_to_hundreds_of_mb() -> None:
    import io
    import zipfile

    bomb = documents.zip_bomb_docx(256)
    assert len(bomb) < 1_000_000
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert archive.getinfo("word/document.xml").file_size > 255 * 2**20


def test_the_loader_refuses_the_zip_bomb_without_inflating_it() -> None:
    from loaders.errors import LoaderError
    from loaders.reading import read_text

    bomb = documents.zip_bomb_docx(256)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(LoaderError, match="zip bomb"):
        read_text(bomb, name="bomb.docx")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 64  # the 256 MiB part was never inflated


@pytest.mark.slow
def test_cli_build_refuses_each_bad_document(
    bad_documents: dict[str, tuple[bytes, str]], store_copy: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    for name, (data, _) in bad_documents.items():
        (folder / name).write_bytes(data)
    (folder / "fifty-mb.txt").write_bytes(_fifty_mb_text())
    before = snapshot(store_copy)
    result = run_cli("build", "-q", str(folder), store=store_copy)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    refusals = {
        line.split(":", 2)[1].strip().removeprefix("refused "): line
        for line in result.stderr.splitlines() if line.startswith("policykg: refused ")
    }
    expected = {**{n: w for n, (_, w) in bad_documents.items()},
                "fifty-mb.txt": "more than the 500,000 a policy document may have"}
    assert set(refusals) == set(expected), result.stderr
    for name, words in expected.items():
        assert words in refusals[name], refusals[name]
    assert "built 0 document(s)" in result.stderr
    after = snapshot(store_copy)
    assert (after.quads, after.digest, after.graphs) == (before.quads, before.digest,
                                                         before.graphs)


@pytest.fixture(scope="module")
def upload_server(seed_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with live_copy(seed_template, tmp_path_factory.mktemp("uploads"),
                   admin_token=ADMIN_TOKEN) as served:
        yield served


def _upload(url: str, name: str, data: bytes) -> requests.Response:
    return requests.post(f"{url}/api/v1/documents", headers=AUTH, timeout=300,
                         files={"file": (name, data)})


@pytest.mark.slow
def test_api_refuses_each_bad_document_and_writes_nothing(
    bad_documents: dict[str, tuple[bytes, str]], upload_server: Any
) -> None:
    server, path = upload_server
    before = snapshot(path)
    for name, (data, words) in bad_documents.items():
        response = _upload(server.url, name, data)
        body = response.json()
        if not data:
            assert response.status_code == 400, body  # nothing sent: a bad request
        else:
            assert response.status_code == 422, (name, body)
            assert body["error"] == "Unprocessable Content" and body["document"] == name
        assert words in body["message"], (name, body)
        assert snapshot(path) == before, f"{name} changed the store"
    too_big = _upload(server.url, "fifty-mb.txt", _fifty_mb_text())
    assert too_big.status_code == 413
    assert "Payload Too Large" in too_big.json()["error"] or too_big.json()["message"]
    assert snapshot(path) == before
    alive = requests.get(f"{server.url}/healthz", timeout=30)
    assert alive.status_code == 200
