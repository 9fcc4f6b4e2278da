"""Who is responsible for a measure, and why: explicit naming, remit keywords, or the lead.

Rules, in order, each recorded with its basis and the words that show it:

1. ``explicit``: the measure names a department (工业和信息化部, 海关总署 …), or the item it
   belongs to ends with a responsibility note that does ("（牵头单位：…；责任单位：…）"). A
   measure that names its departments is theirs: the keyword rule is not applied to it;
2. ``mandate``: the measure uses a word of a department's remit (``pol:mandateKeyword``:
   海关信用等级 → customs) or names an instrument the department runs (``pol:administeredBy``:
   鼓励外商投资产业目录 → NDRC and MOFCOM). Failing that, a class of industry the department
   oversees (``pol:overseenBy``, inherited along ``skos:broader``: 工业母机 → manufacturing →
   MIIT): the sector is weaker evidence than a word of the remit, so it only decides when
   there is none. In a document issued by departments, only the issuers qualify: a measure of
   a joint document is carried out by the departments that signed it;
3. ``lead``: when neither applies, the first issuer, with the words that name it in the header.

So a measure is never owned by every issuer at once without evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from loaders.matching import Hit


@dataclass(frozen=True, slots=True)
class Owner:
    """An attribution in view offsets (``None`` offsets for the lead rule without words)."""

    ministry: str
    basis: str
    evidence: str
    begin: int | None
    end: int | None


def attribute(
    text: str,
    begin: int,
    end: int,
    ministry_hits: list[Hit],
    keyword_hits: list[Hit],
    note_hits: list[Hit],
    issuers: tuple[str, ...],
    lead_evidence: tuple[str, int | None, int | None] | None,
    industry_hits: list[Hit] = (),  # type: ignore[assignment]
) -> list[Owner]:
    """The owners of the measure ``text[begin:end]``.

    Args:
        text: the view text.
        begin: measure start (view).
        end: measure end (view).
        ministry_hits: department mentions of the whole document.
        keyword_hits: mandate-keyword matches of the whole document.
        note_hits: department mentions in the responsibility notes of the measure's item.
        issuers: the document's issuers (ministry IRIs), lead first.
        lead_evidence: ``(words, begin, end)`` naming the lead issuer in the header.
        industry_hits: industry mentions of the measure whose concepts are the departments
            overseeing the industry (kind ``"remit"``).

    Returns:
        Owners in order of evidence; one per department.
    """
    owners: dict[str, Owner] = {}
    inside = [h for h in ministry_hits if begin <= h.begin and h.end <= end]
    for hit in [*inside, *note_hits]:
        for iri in hit.concepts:
            owners.setdefault(iri, Owner(iri, "explicit", text[hit.begin:hit.end], hit.begin,
                                         hit.end))
    eligible = set(issuers)
    for evidence in (keyword_hits, industry_hits):
        for hit in [] if owners else evidence:  # a named department is the answer
            if not (begin <= hit.begin and hit.end <= end):
                continue
            if any(m.begin <= hit.begin and hit.end <= m.end for m in inside):
                continue
            for iri in hit.concepts:
                if eligible and iri not in eligible:
                    continue
                owners.setdefault(iri, Owner(iri, "mandate", hit.form, hit.begin, hit.end))
    if not owners and issuers:
        words, w_begin, w_end = lead_evidence or ("", None, None)
        owners[issuers[0]] = Owner(issuers[0], "lead", words, w_begin, w_end)
    return list(owners.values())
