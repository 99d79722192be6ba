"""The audit pack's tables, once for both formats: each cell has its printed text and, for the XLSX, its
value (an instant stays a date, a raw fact stays the JSON the audit wrote); a column says whether it is
printed (HTML) or kept for the annex only (hidden XLSX columns: the raw evidence, event ids).

What an inspector reads is words: the procedure's name, the rule's name (its code small beside it), the
evidence as a sentence (:mod:`reporting.evidence`), the legal basis with its confidence in words, what to ask
for on site (:mod:`reporting.onsite`), and empty columns for the finding and the signature.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson

from inspections.audit_error import reported_rules
from inspections.cases import DISMISS_REASONS, CaseStatus
from inspections.rules.legal import CIRCULAR_03, CONFIRMED, SECONDARY, UNCONFIRMED
from inspections.rules.legal_en import article_in_english
from inspections.timeunits import VN_TZ
from reporting import gather, onsite
from reporting.evidence import sentence
from reporting.evidence_words import LABELS, detail_text, legal_text
from reporting.i18n import Texts, short_unit_name
from reporting.pack_model import UnitPack
from reporting.pack_texts import pack_text
from reporting.standing_words import status_text
from schemas.applicant_names import APPLICANT
from schemas.events import DATA_MODELS

_RULES = {rule.rule_id: rule for rule in reported_rules()}
#: A citation of Decree 61/2018 in a basis text, as Vietnamese cites, smallest part first ("điểm c khoản 1
#: và khoản 3 Điều 17"), not another decree's or a circular's article. Atomic, whole numbers: "khoản 4 Điều
#: 19 Thông tư" yields nothing (not "Điều 1", not a shorter citation of the circular's article).
_CLAUSE = r"(?:điểm [a-zđ] )?khoản \d+"
_ARTICLE = re.compile(
    rf"(?>(?:{_CLAUSE}(?:,? và {_CLAUSE})* |điểm [a-zđ] )?Điều \d+\b)(?! Nghị định| Thông tư)"
)

#: An exception a basis cites: "trừ <the case> (<its clause>)".
_EXCEPTION = re.compile(r"\btrừ [^;()]*\(([^()]*)\)")


def dossier_forms(pack: UnitPack, dossier_id: str, legal_basis: str | None = None) -> str | None:
    """Whose forms one of the pack's dossiers is handled with: by its receipt date (``onsite.forms_on``, as
    the rulebook chooses its basis), else from a record's basis text (``onsite.forms_of``: a finding's
    basis names no decree, a verdict stored before a basis changed names the old one); a pack dated before
    Circular 03/2025 asks for none of its forms, whatever the record says (review)."""
    facts = pack.facts.get(dossier_id)
    return forms_for(facts.received_at if facts is not None else None, legal_basis, pack.issued_on)


def forms_for(
    received: datetime | None, legal_basis: str | None = None, issued_on: date | None = None
) -> str | None:
    """:func:`dossier_forms` of a dossier received at ``received``, in a document dated ``issued_on``
    (``None``: today, after Circular 03/2025): the packs' and the console's dossier page's."""
    forms = onsite.forms_on(received)
    if forms is None and legal_basis is not None:
        forms = onsite.forms_of(legal_basis)
    if issued_on is not None and issued_on < CIRCULAR_03 and forms not in ("2018", onsite.INTERIM):
        forms = onsite.CIRCULAR_01
    return forms


def legal_cell(rule_id: str, basis: str, lang: str, evidence: Mapping[str, Any] | None = None) -> PackCell:
    """The legal basis with its confidence in words; for a dossier under Decree 118/2025, whose articles
    could not be confirmed, the articles of Decree 61/2018 the rule rests on are named as a reference, so
    the inspector still has an article and clause to read: those of the verdict's own case (``evidence``:
    a refusal at reception cited the clause of one after appraisal too: review)."""
    text = legal_text(basis, lang)
    rule = _RULES.get(rule_id)
    bases = rule.bases_for(evidence or {}) if rule is not None else ()
    if rule is None or "61/2018" in basis or len(bases) < 2:
        return PackCell(text)
    # A clause cited as the rule's exception ("trừ hồ sơ trả kết quả ngay (khoản 4 Điều 17)") is named as
    # one: listed among the others, the exemption read as a clause the dossier broke (review).
    exceptions = [a for part in _EXCEPTION.findall(bases[0][1]) for a in _ARTICLE.findall(part)]
    articles = [a for a in dict.fromkeys(_ARTICLE.findall(bases[0][1])) if a not in exceptions]
    articles += [pack_text("except", lang, article=a) for a in dict.fromkeys(exceptions)]
    if lang == "en":  # "Art. 19(9)", not "khoản 9 Điều 19" (review)
        articles = [_ARTICLE.sub(lambda cited: article_in_english(cited[0]), a) for a in articles]
    confidence = _weakest(bases[0][1], lang)
    if articles:
        key = "legal_reference" if confidence is None else "legal_reference_marked"
        text += pack_text(key, lang, articles=", ".join(articles), confidence=confidence)
    elif _NO_CLAUSE in bases[0][1]:  # a case no clause covers (papers received outside the list)
        text += pack_text("legal_reference_none", lang, confidence=confidence)
    return PackCell(text)


#: What a basis says when no clause of Decree 61/2018 covers its case.
_NO_CLAUSE = "không có điều khoản cấm trực tiếp"


def _weakest(basis: str, lang: str = "vi") -> str | None:
    """The weakest confidence a basis text states, in words (``None``: it states none). A reference
    to a clause of Decree 61/2018 said none, so one the rulebook only reads into a case (a suspension under
    the refusal clause, an appointment date without a clause forbidding it) read as confirmed (review)."""
    # A confirmed one is said too: an unmarked reference beside marked ones left the signer guessing
    # (review).
    for mark in (UNCONFIRMED, SECONDARY, CONFIRMED):
        if mark in basis:
            return legal_text(mark, lang).strip()
    return None


@dataclass(frozen=True, slots=True)
class PackCell:
    text: str
    value: Any = None  # XLSX: a datetime (written as a date) or text; None: the text
    link: str | None = None  # HTML: where the cell links to
    note: str | None = None  # HTML: a small second line (a code under a name)


@dataclass(frozen=True, slots=True)
class Column:
    heading: str
    width: float  # XLSX characters
    share: float = 0.0  # its printed width, in % of the page (the printed columns of a table sum to 100)
    printed: bool = True  # shown in the printed pack (HTML)
    annex: bool = False  # the raw facts: a hidden column of the XLSX, not printed
    key: str = ""  # what the column holds, for code that finds it (``pack_legend``)


@dataclass(slots=True)
class PackRow:
    cells: list[PackCell]
    key: str
    anchor: str | None = None  # HTML id of the row (the first violation of a dossier)
    alert: bool = False


@dataclass(slots=True)
class PackTable:
    name: str
    columns: list[Column]
    rows: list[PackRow] = field(default_factory=list)


def instant(t: Texts, value: datetime | None) -> PackCell:
    """A time as the pack prints it (dd/mm/yyyy hh:mm, Vietnam's time) and as an XLSX date."""
    if value is None:
        return PackCell("—")
    return PackCell(t.instant(value), value.astimezone(VN_TZ).replace(tzinfo=None))


def _empty() -> PackCell:
    return PackCell("")


def procedure_cell(pack: UnitPack, code: str | None) -> PackCell:
    if not code:
        return PackCell("—")
    name = pack.procedures.get(code)
    return PackCell(name, note=code) if name else PackCell(code)


def unit_cell(pack: UnitPack, code: str) -> PackCell:
    """A unit by its short name, its code below in the HTML and after it in the workbook (the timeline
    showed codes alone, which nobody on site reads: review)."""
    name = pack.units.get(code)
    if not name:
        return PackCell(code)
    short = short_unit_name(name)
    return PackCell(short, value=f"{short} ({code})", note=code)


def violations_table(t: Texts, pack: UnitPack) -> PackTable:
    lang = t.lang

    def p(key: str) -> str:
        return pack_text(key, lang)

    table = PackTable(
        "violations",
        [
            # XLSX widths: the printed columns (the sheet's print area) sum to 223 characters, which A4
            # landscape prints at about 63 %; with 60 for the evidence and the basis, and all columns, 40 %.
            Column(t("h_dossier"), 24, 10),
            Column(t("h_procedure_code"), 14, printed=False),
            Column(t("h_procedure"), 28, 11, key="procedure"),
            Column(t("h_rule"), 16, printed=False),
            Column(t("h_rule_title"), 24, 10, key="rule_title"),
            Column(p("h_kind_severity"), 14, 6),
            Column(p("h_arose"), 17, 7),
            Column(t("h_evidence"), 40, 20, key="evidence"),
            Column(t("h_legal"), 30, 14, key="legal"),
            Column(p("h_onsite"), 50, printed=False),
            # Written in by hand on site: room for a sentence or two, and a signature (8 % and 5 % of the
            # page were 2.2 and 1.4 cm, their heading wrapped on four lines: review of 2026-12-04).
            Column(p("h_finding"), 30, 15, key="finding"),
            Column(p("h_signoff"), 16, 7),
            Column(p("h_raw_evidence"), 40, printed=False, annex=True),
            Column(p("h_event_id"), 24, printed=False, annex=True),
        ],
    )
    seen: set[str] = set()
    for v in pack.violations:
        first = v.dossier_id not in seen
        seen.add(v.dossier_id)
        severity = f"{t.kind(v.kind)} – {t.severity(v.severity).lower()}"
        forms = dossier_forms(pack, v.dossier_id, v.legal_basis)  # the circular it is handled under
        papers = pack.components.get(v.procedure_code or "")  # its documents by name
        evidence = sentence(
            v.rule_id, v.kind, v.evidence, lang, pack.working_days, pack.evidence_year, forms, papers
        )
        cells = [
            PackCell(v.dossier_id, link=f"#timeline-{v.dossier_id}"),
            PackCell(v.procedure_code or ""),
            procedure_cell(pack, v.procedure_code),
            PackCell(v.rule_id),
            PackCell(t.rule_title(v.rule_id), note=v.rule_id),
            PackCell(severity),
            instant(t, v.occurred_at),
            PackCell(evidence),
            legal_cell(v.rule_id, v.legal_basis, lang, v.evidence),
            PackCell("; ".join(onsite.items(v.rule_id, v.kind, lang, forms))),
            _case_cell(pack, v, lang),
            _empty(),
            PackCell(orjson.dumps(v.evidence).decode()),
            PackCell(v.event_id or ""),
        ]
        row = PackRow(cells, key=v.dossier_id, anchor=f"v-{v.dossier_id}" if first else None)
        table.rows.append(row)
    return table


def _case_cell(pack: UnitPack, v: gather.ViolationRecord, lang: str) -> PackCell:
    """The finding column: empty for the team to fill in, or how the console has the violation handled
    ("Trên hệ thống: đã bác bỏ (trùng lặp)"), which the team confirms or corrects on site."""
    state = pack.cases.get(v.key)  # only handled ones (``gather.handled_cases``)
    if state is None:
        return _empty()
    words = case_words(state.status.value, v.kind, lang)
    if state.status is CaseStatus.DISMISSED and state.reason_code in DISMISS_REASONS:
        words += f" ({pack_text(f'reason_{state.reason_code}', lang)})"
    return PackCell(pack_text("case", lang, state=words))


def case_words(status: str, kind: str, lang: str) -> str:
    """A handled case's state in words ("đã xác nhận vi phạm"); a data finding's without calling it a
    violation ("đã xác nhận phát hiện": a finding is none, RULES.md v2 amendment 5)."""
    if kind == "finding" and status in ("confirmed", "concluded"):
        return pack_text(f"case_{status}_finding", lang)
    return pack_text(f"case_{status}", lang)


def onsite_table(t: Texts, pack: UnitPack) -> PackTable:
    """Per rule of the pack's violations: how many dossiers, what to ask for, room for the team's notes."""
    lang = t.lang
    table = PackTable(
        "onsite",
        [
            Column(t("h_rule_title"), 30, 20),
            Column(pack_text("h_dossiers", lang), 10, 7),
            Column(pack_text("h_onsite", lang), 70, 48),
            Column(pack_text("h_finding", lang), 40, 25),
        ],
    )
    by_rule: dict[tuple[str, str], set[str]] = {}
    forms: dict[tuple[str, str], set[str | None]] = {}
    for v in pack.violations:
        by_rule.setdefault((v.rule_id, v.kind), set()).add(v.dossier_id)
        forms.setdefault((v.rule_id, v.kind), set()).add(dossier_forms(pack, v.dossier_id, v.legal_basis))
    for (rule_id, kind), dossiers in sorted(by_rule.items(), key=lambda item: (-len(item[1]), item[0])):
        title = t.rule_title(rule_id)
        if kind != "violation":
            title += f" ({t.kind(kind).lower()})"
        listed = onsite.items(rule_id, kind, lang, onsite.common_forms(forms[(rule_id, kind)]))
        cells = [
            PackCell(title, note=rule_id),
            PackCell(t.integer(len(dossiers)), len(dossiers)),
            PackCell("; ".join(listed)),
            _empty(),
        ]
        table.rows.append(PackRow(cells, key=rule_id))
    return table


#: The members of each event type's ``data`` a pack and the console's dossier page show: those the contract
#: declares, but the applicant (never shown, not even its pseudonym: one links a person's dossiers across
#: packs). A member the contract does not declare is not shown: a source's own member may hold personal
#: data in clear (``applicant_name``: only ``applicant`` is pseudonymised, by the contract), or an
#: applicant nested in it, pseudonymised but shown (reviews: the console's, then the DPO's of the packs).
SHOWN_DATA: dict[str, frozenset[str]] = {
    str(kind): frozenset(model.model_fields) - {APPLICANT} for kind, model in DATA_MODELS.items()
}


def details(
    data: dict[str, Any],
    lang: str,
    year: int | None = None,
    components: dict[str, str] | None = None,
    units: dict[str, str] | None = None,
    event_type: str | None = None,
) -> str:
    """An event's data for the timeline: known fields by their name in words, values as the pack shows
    them (``detail_text``: times dd/mm hh:mm, with the year as the evidence column gives it: ``year``, the
    pack's ``evidence_year``; an empty value "(để trống)", the enumerated channel, stage and outcome in
    words, documents and the unit a dossier went to by name, other codes and free text as they are). With
    ``event_type``, only the members :data:`SHOWN_DATA` lists for it."""
    parts = []
    shown = None if event_type is None else SHOWN_DATA.get(event_type, frozenset())
    for key, value in data.items():
        if shown is not None and key not in shown:
            continue
        name = LABELS[key][0 if lang == "vi" else 1] if key in LABELS else key
        text = detail_text(key, value, lang, year, components=components, units=units)
        parts.append(f"{name}: {text}")
    return "; ".join(parts)


def sample_table(t: Texts, pack: UnitPack) -> PackTable:
    lang = t.lang
    table = PackTable(
        "sample",
        [
            Column(t("h_dossier"), 24, 11),
            Column(t("h_procedure_code"), 14, printed=False),
            Column(t("h_procedure"), 36, 17),
            Column(t("h_channel"), 11, 7),
            Column(t("h_received_at"), 17, 8),
            Column(t("h_due_at"), 17, 8),
            Column(t("h_end"), 14, 8),
            Column(pack_text("h_end_at", lang), 17, 8),
            Column(t("h_status"), 22, 11),
            Column(pack_text("h_finding", lang), 30, 15),
            Column(pack_text("h_signoff", lang), 16, 7),
        ],
    )
    for dossier_id in pack.sample:
        f = pack.facts.get(dossier_id)
        first = PackCell(dossier_id, link=f"#sample-timeline-{dossier_id}")
        if f is None:
            blank = [first, *(_empty() for _ in table.columns[1:])]
            table.rows.append(PackRow(blank, key=dossier_id, anchor=f"s-{dossier_id}"))
            continue
        cells = [
            first,
            PackCell(f.procedure_code or ""),
            procedure_cell(pack, f.procedure_code),
            PackCell(t.channel(f.channel)),
            instant(t, f.received_at),
            instant(t, f.due_at),
            PackCell(t.event_type(f.end_type) if f.end_type else "—"),
            instant(t, f.end_at) if f.end_type else PackCell("—"),
            PackCell(status_text(t, f.end_type, f.status, f.waiting, f.supplement_seconds, f.as_of)),
            _empty(),
            _empty(),
        ]
        table.rows.append(PackRow(cells, key=dossier_id, anchor=f"s-{dossier_id}"))
    return table


def to_review_items(t: Texts, pack: UnitPack) -> list[tuple[str, str, str]]:
    """(dossier, rule title, "kết luận ngày …") of each conclusion the pack asks to look at again
    (``UnitPack.to_review``), for its HTML box and its workbook's."""
    return [
        (r.key.dossier_id, t.rule_title(r.key.rule_id),
         pack_text("concluded_on", t.lang, day=t.day(r.concluded_at.astimezone(VN_TZ).date())))
        for r in pack.to_review
    ]  # fmt: skip
