"""The small-count rule, over thousands of generated tables (hypothesis is not in the test
environment: each table comes from ``random.Random(seed)``, so a failure names its seed).

For every cell of every table: a count under 5 is never published as its value; a published
count is at least 5; an « x » stands for a count of 5 or more; and, subtracting the published
cells from a published total, every « < 5 » cell may still be any of 0 to 4."""

import random

import pytest

from opendata.suppression import HIDDEN, SMALL, THRESHOLD, RawRow, protect_group, publish

SEEDS = range(3000)


def generated_table(rng: random.Random) -> list[RawRow]:
    """Groups of 1 to 17 detail rows and their total, with counts skewed towards small ones
    (the interesting case) and an exact total."""
    rows = []
    for group in range(rng.randint(1, 4)):
        details = [RawRow(group=str(group), key=f"{i:02}", label_fr="r", label_en="r",
                          values={"a": rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 12, 40, 300]),
                                  "b": rng.randint(0, 8) if rng.random() < .7
                                  else rng.randint(0, 2000)})
                   for i in range(rng.randint(1, 17))]
        total = RawRow(group=str(group), key="QC", label_fr="Q", label_en="Q", is_total=True,
                       values={c: sum(r.values[c] for r in details) for c in ("a", "b")})
        rows += [*details, total]
    return rows


def can_be(value: int, small_cell_index: int, details_marks, details_values, total) -> bool:
    """Whether a reader who sees the published cells and the total could believe the hidden
    ``« < 5 »`` cell holds ``value``: the other hidden cells must then make up the rest, each
    « < 5 » between 0 and 4, each « x » at least 5."""
    shown = sum(v for v, m in zip(details_values, details_marks, strict=True) if m is None)
    rest = total - shown - value
    others = [m for i, m in enumerate(details_marks) if m and i != small_cell_index]
    low = THRESHOLD * others.count(HIDDEN)
    high = float("inf") if HIDDEN in others else (THRESHOLD - 1) * others.count(SMALL)
    return low <= rest <= high


@pytest.mark.parametrize("chunk", range(10))
def test_no_cell_of_any_generated_table_reveals_a_count_under_5(chunk):
    for seed in SEEDS[chunk::10]:
        rng = random.Random(seed)
        rows = generated_table(rng)
        cells = publish(rows, ["a", "b"])
        for column in ("a", "b"):
            for row, published in zip(rows, cells, strict=True):
                value, shown = row.values[column], published[column]
                if value < THRESHOLD:
                    assert shown == SMALL, (seed, row, shown)
                elif shown == HIDDEN:
                    assert value >= THRESHOLD
                else:
                    assert shown == value and shown >= THRESHOLD, (seed, row, shown)
            for group in {row.group for row in rows}:
                indexes = [i for i, row in enumerate(rows) if row.group == group]
                details = [i for i in indexes if not rows[i].is_total]
                total = next(i for i in indexes if rows[i].is_total)
                if cells[total][column] in (SMALL, HIDDEN):
                    continue
                marks = [cells[i][column] if cells[i][column] in (SMALL, HIDDEN) else None
                         for i in details]
                values = [rows[i].values[column] for i in details]
                for position, mark in enumerate(marks):
                    if mark == SMALL:
                        for guess in range(THRESHOLD):
                            assert can_be(guess, position, marks, values,
                                          rows[total].values[column]), (seed, group, column)


def test_one_small_count_beside_a_total_hides_another_cell_not_shown_as_small():
    marks, total = protect_group([2, 40, 7, 300], 349)
    assert marks == [SMALL, None, HIDDEN, None]
    assert total is None


def test_small_counts_alone_protect_each_other_unless_their_sum_gives_them_away():
    assert protect_group([1, 3, 40], 44) == ([SMALL, SMALL, None], None)  # 4: 0+4, 4+0...
    assert protect_group([0, 0, 40], 40)[0] == [SMALL, SMALL, HIDDEN]  # 0 would show
    assert protect_group([4, 4, 40], 48)[0] == [SMALL, SMALL, HIDDEN]  # 8 would show


def test_a_lone_small_detail_hides_the_total():
    assert protect_group([3], 3) == ([SMALL], SMALL)
    assert protect_group([3, 6], 9) == ([SMALL, HIDDEN], None)
    assert protect_group([0, 5], 5) == ([SMALL, HIDDEN], HIDDEN)


def test_an_amount_is_hidden_beside_a_hidden_count():
    rows = [RawRow(group="g", key="01", label_fr="", label_en="", values={"n": 0, "a": 0}),
            RawRow(group="g", key="02", label_fr="", label_en="", values={"n": 9, "a": 90}),
            RawRow(group="g", key="03", label_fr="", label_en="", values={"n": 30, "a": 300}),
            RawRow(group="g", key="QC", label_fr="", label_en="", is_total=True,
                   values={"n": 39, "a": 390})]
    cells = publish(rows, ["n"], amounts={"a": "n"})
    assert [(c["n"], c["a"]) for c in cells] == [
        (SMALL, HIDDEN), (HIDDEN, HIDDEN), (30, "300.00"), (39, "390.00")]


def test_a_rate_is_shown_only_when_both_its_counts_are():
    rows = [RawRow(group="g", key="01", label_fr="", label_en="", values={"n": 3, "d": 50}),
            RawRow(group="g", key="02", label_fr="", label_en="", values={"n": 20, "d": 50}),
            RawRow(group="g", key="03", label_fr="", label_en="", values={"n": 30, "d": 60})]
    cells = publish(rows, ["n", "d"], rates={"rate": ("n", "d")})
    assert [c["rate"] for c in cells] == [HIDDEN, "40.0", "50.0"]
