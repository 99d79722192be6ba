"""The printed pack's legal bases, each stated once.

Section A gave every violation its legal basis in full: 10–14 printed lines a row, for about a dozen
distinct texts a pack (one unit's 104 violations printed on 62 pages; the basis set every row's height).
The printed column now names a basis by its number, linked to a table under section A that states each
basis once, with the rules and how many of the section's rows rest on it. The workbook keeps every row's
basis whole: a row there is read, filtered and copied alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from reporting.i18n import Texts
from reporting.pack_tables import Column, PackCell, PackRow, PackTable
from reporting.pack_texts import pack_text

#: The printed shares (% of the page) of section A's columns when the basis is a number: the width the
#: basis gave up goes to the procedure's name and the evidence, which then set a row's height, and to the
#: finding the team writes in.
_SHARES = {"procedure": 15, "evidence": 22, "legal": 5, "finding": 18}


@dataclass(slots=True)
class Basis:
    """One legal basis of the pack: its number, its text as the row had it, and the rules resting on it
    (rule title → rows, in order of first use)."""

    number: int
    text: str
    rules: dict[str, int] = field(default_factory=dict)


def numbered_bases(t: Texts, table: PackTable) -> tuple[PackTable, list[Basis]]:
    """Section A's table as printed with its bases by number (each linked to ``#basis-<n>``), numbered in
    order of first use, and the bases: the table's ``legal`` column must exist, its rule title column too."""
    keys = [column.key for column in table.columns]
    legal, title = keys.index("legal"), keys.index("rule_title")
    bases: dict[str, Basis] = {}
    rows = []
    for row in table.rows:
        text = row.cells[legal].text
        basis = bases.setdefault(text, Basis(len(bases) + 1, text))
        rule = row.cells[title].text
        basis.rules[rule] = basis.rules.get(rule, 0) + 1
        cell = PackCell(pack_text("basis_ref", t.lang, n=basis.number), link=f"#basis-{basis.number}")
        cells = [*row.cells[:legal], cell, *row.cells[legal + 1 :]]
        rows.append(PackRow(cells, row.key, row.anchor, row.alert))
    columns = [replace(c, share=_SHARES[c.key]) if c.key in _SHARES else c for c in table.columns]
    return PackTable(table.name, columns, rows), list(bases.values())


def bases_table(t: Texts, bases: list[Basis]) -> PackTable:
    """The bases of section A, each once: its number, its text, the rules and how many rows cite it."""
    lang = t.lang
    table = PackTable(
        "bases",
        [
            Column(pack_text("h_basis_number", lang), 4, 5),
            Column(t("h_legal"), 80, 65),
            Column(pack_text("h_basis_rules", lang), 40, 30),
        ],
    )
    for basis in bases:
        rules = "; ".join(
            pack_text("basis_rule", lang, rule=rule, n=t.integer(n)) for rule, n in basis.rules.items()
        )
        number = PackCell(pack_text("basis_ref", lang, n=basis.number))
        anchor = f"basis-{basis.number}"
        table.rows.append(PackRow([number, PackCell(basis.text), PackCell(rules)], anchor, anchor))
    return table
