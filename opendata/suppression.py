"""Small counts in the public figures: the rule, and how a total cannot undo it.

**The rule.** Every count (opportunities, positions, hires, activities, participants,
people settled, plans, immigrants admitted or present) under 5 — zero included — is published
as ``"<5"`` (shown « < 5 » in French, “< 5” in English), never as its value. A count is never
published below 5, so no person can be singled out.

**Totals: complementary suppression.** Each table is made of *groups* (the rows of one fiscal
year, or of one cohort) holding detail rows (regions, programs, axes) and one total row
(Quebec). The totals are the true totals: the ministry publishes the Quebec figure, not the sum
of what is left. So that a hidden count cannot be worked out by subtracting the published
cells from the total, for each group and count column:

- when at least one detail cell is ``"<5"`` and the total is published, a reader who
  subtracts the published cells from the total learns the sum of the hidden cells, and knows
  each ``"<5"`` is 0 to 4 and each ``"x"`` is 5 or more. Detail cells are hidden, smallest
  first, shown ``"x"``, until every ``"<5"`` may still be any of 0 to 4 (``protected``):
  with an ``"x"``, the hidden cells hold at least 4 more than 5 per ``"x"``; with only
  ``"<5"`` cells, their sum is between 4 and 4 per cell but one. The property test in
  ``tests/opendata/`` checks it against every table it generates, by trying every value;
- when no detail cell is left to hide, the total is hidden (``"x"``);
- a total under 5 is itself ``"<5"``, and then nothing needs protecting from it.

The Quebec row of activities and participants counts an activity promoting several regions
once, so it is at most the sum of the regions; it is protected the same way (which is stricter
than needed). No table publishes a total over fiscal years or a rate built on a hidden count:
the presence rate is shown only when both its counts are.

**Amounts** (dollars approved) are public grants to organisations, not counts of people, but
an amount would tell a zero from a small count (0 $ beside « < 5 » means no plan): an amount
beside a hidden count (``"<5"`` or ``"x"``) is hidden too (``"x"``), and a total amount is
shown only where its count is. Rates are percentages rounded to one decimal.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

#: Counts under this are never published.
THRESHOLD = 5
#: A count under THRESHOLD.
SMALL = "<5"
#: A count hidden so that a small count cannot be worked out from the total.
HIDDEN = "x"
#: The slack the hidden cells of a group must hold (see the module's docstring).
SLACK = THRESHOLD - 1


@dataclass
class RawRow:
    """A row before publication: exact counts and amounts."""

    group: str
    key: str
    label_fr: str
    label_en: str
    region_code: str = ""
    is_total: bool = False
    values: dict = field(default_factory=dict)


def protect_group(details: list[int], total: int | None) -> tuple[list[str | None], str | None]:
    """The markers of one group's column: for each detail cell ``SMALL``, ``HIDDEN`` or
    ``None`` (published), and the total's marker (``total`` None: the group has no total)."""
    marks: list[str | None] = [SMALL if value < THRESHOLD else None for value in details]
    if total is None:
        return marks, None
    if total < THRESHOLD:
        return marks, SMALL
    if SMALL not in marks:
        return marks, None
    hidden_sum = sum(value for value, mark in zip(details, marks, strict=True) if mark)
    small, hidden_x = marks.count(SMALL), 0
    candidates = sorted((value, index) for index, (value, mark)
                        in enumerate(zip(details, marks, strict=True)) if mark is None)
    for value, index in candidates:
        if protected(hidden_sum, small, hidden_x):
            break
        marks[index] = HIDDEN
        hidden_sum += value
        hidden_x += 1
    return marks, None if protected(hidden_sum, small, hidden_x) else HIDDEN


def protected(hidden_sum: int, small: int, hidden_x: int) -> bool:
    """Whether a reader who knows the sum of a group's hidden cells (the total less the
    published cells), that each « < 5 » is 0 to 4 and each « x » at least 5, may still
    believe any « < 5 » cell is any of 0 to 4: the other hidden cells must be able to make up
    the rest in every case. With an « x » among them (no upper bound), the sum must leave 4 over
    5 per « x »; with « < 5 » cells only, it must be at least 4 and at most 4 per other cell
    (all zeros, or all fours, would show)."""
    if hidden_x:
        return hidden_sum - THRESHOLD * hidden_x >= SLACK
    return SLACK <= hidden_sum <= SLACK * (small - 1)


def publish(rows: list[RawRow], counts: list[str], amounts: dict | None = None,
            rates: dict | None = None) -> list[dict]:
    """The published cells of ``rows`` (one dict per row, in order). ``counts`` are
    suppressed as the module says; ``amounts`` ({column: its count column}, Decimal values)
    published as ``"1234.00"`` where their count is, else ``"x"``; ``rates`` ({column:
    (numerator, denominator)}) as a percentage, only when both counts are published."""
    cells: list[dict] = [{} for _row in rows]
    groups: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        groups[row.group].append(index)
    for column in counts:
        for indexes in groups.values():
            details = [i for i in indexes if not rows[i].is_total]
            totals = [i for i in indexes if rows[i].is_total]
            total = rows[totals[0]].values.get(column) or 0 if totals else None
            marks, total_mark = protect_group(
                [rows[i].values.get(column) or 0 for i in details], total)
            for i, mark in zip(details, marks, strict=True):
                cells[i][column] = mark or int(rows[i].values.get(column) or 0)
            for i in totals:
                cells[i][column] = total_mark or int(total)
    for column, count in (amounts or {}).items():
        for i, row in enumerate(rows):
            value = row.values.get(column)
            if not isinstance(cells[i].get(count), int):
                cells[i][column] = HIDDEN
            else:
                cells[i][column] = None if value is None else f"{Decimal(value):.2f}"
    for column, (numerator, denominator) in (rates or {}).items():
        for i in range(len(rows)):
            top, bottom = cells[i].get(numerator), cells[i].get(denominator)
            if not isinstance(top, int) or not isinstance(bottom, int):
                cells[i][column] = HIDDEN
            else:
                rate = Decimal(top * 100) / Decimal(bottom) if bottom else None
                cells[i][column] = None if rate is None else str(
                    rate.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return cells
