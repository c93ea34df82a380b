"""Business days in Quebec: Monday to Friday, except Quebec's statutory holidays.

The holidays come from the maintained ``holidays`` package (Canada, subdivision QC: New Year's
Day, Good Friday, National Patriots' Day, Saint-Jean-Baptiste, Canada Day, Labour Day,
Thanksgiving, Christmas, with their observed days), so no date is typed here.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Canada(subdiv="QC", years=[year]).keys())


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_business_days(day: date, count: int) -> date:
    """The date ``count`` business days after ``day`` (``day`` itself is not counted)."""
    current = day
    remaining = count
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def business_days_between(start: date, end: date) -> int:
    """How many business days there are after ``start`` up to and including ``end``."""
    if end <= start:
        return 0
    return sum(1 for n in range(1, (end - start).days + 1)
               if is_business_day(start + timedelta(days=n)))
