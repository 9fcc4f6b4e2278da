"""Transfer direction: from where industry moves, and to where."""

from __future__ import annotations

from typing import Any

import pytest

from tests.loaders.conftest import iri_key


def _direction(record: Any, start: str) -> tuple[list[str], list[str]]:
    (m,) = [m for m in record.measures if m.text.startswith(start)]
    return [iri_key(i) for i in m.transfers_from], [iri_key(i) for i in m.transfers_to]


@pytest.mark.parametrize(
    ("start", "sources", "targets"),
    [
        ("西部地区有序承接东部地区产业转移", ["eastern"], ["western"]),
        ("引导劳动密集型产业重点向中西部", [], ["central", "western"]),
        ("有序疏解超大特大城市", ["megacity", "central-urban-district"], []),
        ("发挥大中城市综合成本相对较低的优势", ["megacity"], ["large-medium-city"]),
        ("通过共建产业园区等方式推动产业向", [], ["poverty-alleviated", "underdeveloped"]),
        ("发挥中心城市辐射作用", [], []),
        ("鼓励有条件的边境地区", [], []),
    ],
)
def test_seed_directions(
    seed_record: Any, start: str, sources: list[str], targets: list[str]
) -> None:
    assert _direction(seed_record, start) == (sources, targets)


def test_from_and_to_in_one_sentence(load: Any) -> None:
    r = load("关于某事的意见\n一、重点任务\n推动产业从东部地区向中西部地区有序转移。\n")
    assert _direction(r, "推动产业") == (["eastern"], ["central", "western"])
