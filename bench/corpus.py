"""A synthetic corpus of policy documents for benchmarks: ``python -m bench.corpus --docs N``.

Each document has the shape of the genre (a release line, a title, a document number
``X部联Y〔2023〕57号``, the addressees' line ending in "：", an opening paragraph, numbered
sections 一、二、… with measure sentences and a target, and the issuers with a date at the end),
built by recombining sentence patterns with departments, region types, industries and
instruments taken from the ontology's ``skos:prefLabel`` and ``skos:altLabel`` values. The
vocabulary is the ontology's, so the extractor finds realistic numbers of mentions; the
sentences are generic patterns of the genre, not text of any real document.

The same ``--seed`` gives the same files, byte for byte. Sizes vary like real documents, from
about 2 to 9 KB of UTF-8 (a third of the seed to close to it); ``--docs 1000`` writes 4.5 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

NUMERALS = "一二三四五六七八九十"
GENRES = ("指导意见", "通知", "实施方案", "若干措施", "行动计划", "工作方案")
TOPICS = ("政法", "产业", "规划", "运行", "科技", "投资", "外资", "财金", "开放")
ACTIONS = (
    "促进{industry}有序转移", "推动{industry}高质量发展", "加快{industry}集群发展",
    "支持{region}承接产业转移", "深化{region}产业协作", "加强{industry}产融合作",
    "推进{region}{industry}转型升级", "优化{industry}区域布局",
)
SECTION_TITLES = (
    "总体要求", "重点任务", "优化产业布局", "推动产业有序转移", "完善支持政策",
    "强化要素保障", "加强组织实施", "营造良好环境", "深化区域合作", "提升承接能力",
    "保障措施", "创新体制机制",
)
VERBS = ("引导", "支持", "鼓励", "推动", "加快", "严格", "完善", "健全", "加强", "探索")
MEASURES = (
    "{verb}{industry}向{region}有序转移，{benefit}。",
    "{verb}{region}发挥比较优势，承接{industry}，{benefit}。",
    "{verb}{region}设立{instrument}，重点支持{industry}项目建设。",
    "{ministry}要会同有关部门{verb}{instrument}，{benefit}。",
    "{verb}金融机构运用{instrument}支持{region}{industry}企业融资。",
    "{verb}{region}依托{instrument}发展{industry}，{benefit}。",
    "{verb}{industry}企业在{region}布局生产基地，对符合条件的项目给予{instrument}支持。",
    "{ministry}、{ministry2}按职责分工{verb}{region}{industry}发展，{benefit}。",
    "{verb}落实{instrument}，防止{industry}盲目扩张和低水平重复建设。",
    "在{region}{verb}建设一批{industry}示范项目，{benefit}。",
    "{verb}{region}与{region2}开展{industry}对口合作，共建{instrument}。",
    "对{region}的{industry}项目，{verb}用好{instrument}，{benefit}。",
)
BENEFITS = (
    "提升产业链供应链稳定性", "促进区域协调发展", "降低企业综合成本", "增强承接能力",
    "推动形成合理分工", "提高资源配置效率", "带动当地就业", "维护产业体系完整性",
    "优化营商环境", "加快培育新动能",
)
TARGETS = (
    "到{year}年，{region}承接{industry}能力显著提升，{benefit}。",
    "到{year}年，{industry}区域布局进一步优化，形成一批{instrument}。",
)
OPENINGS = (
    "为贯彻落实党中央、国务院决策部署，{action}，现提出以下意见。",
    "{action}是推动区域协调发展的重要举措。为{benefit}，现就有关事项通知如下。",
    "为{benefit}，{action}，经国务院同意，制定本方案。",
)
CLOSINGS = (
    "各地有关部门要加强组织领导，细化落实举措，确保各项任务落到实处。",
    "各有关单位要建立健全工作机制，加强监测评估，及时研究解决工作中遇到的问题。",
)


@dataclass(frozen=True)
class Vocabulary:
    """Labels of the ontology's concepts, by kind, in a fixed order."""

    ministries: tuple[tuple[str, str], ...]  # (full name, short form for the document number)
    regions: tuple[str, ...]
    industries: tuple[str, ...]
    instruments: tuple[str, ...]


def load_vocabulary(ontology_ttl: Path | None = None) -> Vocabulary:
    """Read the zh labels of ministries, region types, industries and instruments."""
    if ontology_ttl is None:
        from ontology import ONTOLOGY_TTL

        ontology_ttl = Path(str(ONTOLOGY_TTL))
    store = ox.Store()
    store.load(ontology_ttl.read_bytes(), format=ox.RdfFormat.TURTLE)
    prefix = (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX pol: <https://w3id.org/policykg/ontology#>\n"
    )

    def labels(scheme: str, alt: bool = False) -> list[str]:
        prop = "skos:prefLabel|skos:altLabel" if alt else "skos:prefLabel"
        query = (
            f"{prefix}SELECT DISTINCT ?l WHERE {{ ?x skos:inScheme pol:{scheme} ; {prop} ?l "
            'FILTER(LANG(?l) = "zh") } ORDER BY ?l'
        )
        return [row["l"].value for row in store.query(query)]  # type: ignore[union-attr]

    ministries = []
    query = (
        f"{prefix}SELECT ?x ?l (GROUP_CONCAT(?a; separator=\"|\") AS ?alts) WHERE {{ "
        "?x skos:inScheme pol:Ministries ; skos:prefLabel ?l FILTER(LANG(?l) = \"zh\") "
        "OPTIONAL { ?x skos:altLabel ?a FILTER(LANG(?a) = \"zh\") } } GROUP BY ?x ?l ORDER BY ?x"
    )
    for row in store.query(query):  # type: ignore[union-attr]
        full = row["l"].value
        joined = row["alts"].value if row["alts"] is not None else ""
        alts = [a for a in joined.split("|") if a and len(a) < len(full) and "主管" not in a]
        ministries.append((full, min(alts, key=len) if alts else ""))
    return Vocabulary(
        ministries=tuple(ministries),
        regions=tuple(labels("RegionTypes", alt=True)),
        industries=tuple(labels("IndustryClasses")),
        instruments=tuple(labels("Instruments")),
    )


def _number(n: int) -> str:
    """A section numeral as written: 一 … 十, 十一 …"""
    if n <= 10:
        return NUMERALS[n - 1]
    return "十" + NUMERALS[n - 11]


def make_document(vocab: Vocabulary, rng: random.Random, index: int) -> str:
    """One synthetic document, from ``rng`` only (deterministic for a given state)."""
    leads = [m for m in vocab.ministries if m[1]] or list(vocab.ministries)
    lead = rng.choice(leads)
    others = [m for m in vocab.ministries if m != lead]
    issuers = [lead, *rng.sample(others, k=min(len(others), rng.randint(0, 5)))]
    lead_short = lead[1] or lead[0]
    year = rng.randint(2016, 2025)
    region, industry = rng.choice(vocab.regions), rng.choice(vocab.industries)
    action = rng.choice(ACTIONS).format(industry=industry, region=region)
    genre = rng.choice(GENRES)
    title = f"关于{action}的{genre}"
    joint = "联" if len(issuers) > 1 else ""
    number = f"{lead_short}{joint}{rng.choice(TOPICS)}〔{year}〕{rng.randint(1, 400)}号"

    def fill(pattern: str) -> str:
        ministry, ministry2 = rng.sample(vocab.ministries, 2)
        return pattern.format(
            verb=rng.choice(VERBS),
            industry=rng.choice(vocab.industries),
            region=rng.choice(vocab.regions),
            region2=rng.choice(vocab.regions),
            instrument=rng.choice(vocab.instruments),
            ministry=ministry[0],
            ministry2=ministry2[0],
            benefit=rng.choice(BENEFITS),
            year=year + rng.randint(2, 5),
            action=action,
        )

    lines = []
    if len(issuers) > 1:
        lines += [f"{lead_short}等{len(issuers)}部门联合印发《{title}》", ""]
    lines += [f"来源：{issuers[0][0]}", "", title, number, ""]
    lines.append("各省、自治区、直辖市及计划单列市、新疆生产建设兵团有关主管部门：")
    lines += ["", fill(rng.choice(OPENINGS)), ""]
    titles = rng.sample(SECTION_TITLES, k=rng.randint(3, 7))
    for s, heading in enumerate(titles, start=1):
        lines.append(f"{_number(s)}、{heading}")
        lines.append("")
        if s == 1 and rng.random() < 0.7:
            lines.append(fill(rng.choice(TARGETS)))
        for _ in range(rng.randint(1, 4)):
            paragraph = "".join(fill(rng.choice(MEASURES)) for _ in range(rng.randint(1, 5)))
            lines += [paragraph, ""]
    lines += [rng.choice(CLOSINGS), ""]
    lines.append("　".join(name for name, _ in issuers))
    lines.append(f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日")
    return "\n".join(lines) + "\n"


def write_corpus(docs: int, out: Path, seed: int = 0) -> list[Path]:
    """Write ``docs`` documents into ``out``; return their paths in order."""
    vocab = load_vocabulary()
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(docs):
        rng = random.Random(f"{seed}:{i}")
        text = make_document(vocab, rng, i)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        path = out / f"{i:05d}_{digest}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.corpus --docs N --out DIR [--seed S]``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.corpus", description="Write a synthetic corpus of policy documents."
    )
    parser.add_argument("--docs", type=int, required=True, help="number of documents")
    parser.add_argument("--out", type=Path, required=True, help="folder to write them into")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same files")
    args = parser.parse_args(argv)
    if args.docs < 1:
        parser.error("--docs must be at least 1")
    paths = write_corpus(args.docs, args.out, args.seed)
    size = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} documents ({size / 1024:.0f} KiB) to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
