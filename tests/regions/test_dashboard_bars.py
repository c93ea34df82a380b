"""The dashboard's bars stay readable for small regions: Montréal counts a hundred times more
immigrants present than Abitibi, so the chart is drawn on a logarithmic scale, and says so."""

from decimal import Decimal

import pytest
from django.urls import reverse

from regions.dashboard import Cohort, log_width
from regions.models import CohortStatistic, Region

pytestmark = pytest.mark.django_db

A = Cohort(2001, 2005, 2006)
B = Cohort(2011, 2015, 2016)


def stat(code, cohort, present):
    CohortStatistic.objects.create(
        region=Region.objects.get(code=code), cohort_start=cohort.start, cohort_end=cohort.end,
        reference_year=cohort.reference_year, category="all", admitted=present * 2,
        present=present)


def test_each_power_of_ten_takes_the_same_length():
    assert log_width(99_999, 99_999) == Decimal("100.0")
    assert log_width(999, 99_999) == Decimal("60.0")
    assert log_width(99, 99_999) == Decimal("40.0")
    assert log_width(0, 99_999) == Decimal("0.0")
    assert log_width(None, 99_999) is None
    assert log_width(5, 0) is None


def test_a_small_region_s_bar_is_readable_beside_montreal_and_the_scale_is_stated(client,
                                                                                world):
    for code, a, b in [("06", 80_000, 99_999), ("08", 60, 99)]:
        stat(code, A, a)
        stat(code, B, b)
    client.force_login(world["users"]["adviser"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("cohort_dashboard")).content.decode()
    chart = html.split('class="cohort-chart"')[1].split("</figure>")[0]
    abitibi = chart.split("08 Abitibi")[1].split('class="cohort-chart__row"')[0]
    # 99 present out of Montréal's 99,999: 0.1 % of the width on a linear scale, 40 % here.
    assert 'cohort-chart__bar--b" data-bar-width="40.0"' in abitibi
    assert ">99<" in abitibi
    assert "Logarithmic scale" in chart.split("</figcaption>")[0]
