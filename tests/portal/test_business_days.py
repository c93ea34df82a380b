"""Business days in Quebec: weekends and Quebec's statutory holidays are not counted."""

from datetime import date

import pytest

from portal.business_days import add_business_days, business_days_between, is_business_day


@pytest.mark.parametrize(("day", "expected"), [
    (date(2025, 6, 20), True),    # a Friday
    (date(2025, 6, 21), False),   # Saturday
    (date(2025, 6, 22), False),   # Sunday
    (date(2025, 6, 24), False),   # Saint-Jean-Baptiste (Fête nationale), a Tuesday
    (date(2025, 6, 25), True),
    (date(2025, 12, 25), False),  # Christmas, a Thursday
    (date(2025, 12, 26), True),   # Boxing Day is not a Quebec statutory holiday
    (date(2025, 5, 19), False),   # National Patriots' Day, a Monday
    (date(2025, 7, 1), False),    # Canada Day
    (date(2026, 4, 3), False),    # Good Friday
])
def test_is_business_day(day, expected):
    assert is_business_day(day) is expected


def test_friday_to_tuesday_across_patriots_day_is_one_business_day():
    friday, tuesday = date(2025, 5, 16), date(2025, 5, 20)
    assert add_business_days(friday, 1) == tuesday
    assert business_days_between(friday, tuesday) == 1
    assert business_days_between(friday, date(2025, 5, 19)) == 0  # the long weekend itself


def test_add_business_days_across_easter():
    # Thursday 2 April 2026 + 1: Good Friday and the weekend are skipped.
    assert add_business_days(date(2026, 4, 2), 1) == date(2026, 4, 6)
    assert add_business_days(date(2026, 4, 2), 3) == date(2026, 4, 8)


def test_add_business_days_across_christmas_and_saint_jean():
    assert add_business_days(date(2025, 12, 24), 1) == date(2025, 12, 26)
    assert add_business_days(date(2025, 6, 23), 1) == date(2025, 6, 25)


def test_from_a_weekend_the_next_business_day_is_monday():
    assert add_business_days(date(2025, 6, 21), 1) == date(2025, 6, 23)
    assert add_business_days(date(2025, 6, 20), 0) == date(2025, 6, 20)


def test_business_days_between_counts_after_start_up_to_end():
    monday, next_monday = date(2025, 6, 16), date(2025, 6, 23)
    assert business_days_between(monday, next_monday) == 5
    assert business_days_between(next_monday, monday) == 0
    assert business_days_between(monday, monday) == 0
