"""Tests for creditstreet.domain.cards (SPEC C4): 1st miss verbal, 2nd and later yellow."""

from datetime import datetime, timedelta, timezone

import pytest

from creditstreet.domain.cards import escalate, is_bad_record, misses_in_year_before
from creditstreet.domain.errors import ValidationError
from creditstreet.domain.settings import RuleSettings

CST = timezone(timedelta(hours=8))


@pytest.mark.parametrize("earlier, warning", [
    (0, "verbal_warning"), (1, "yellow_card"), (2, "yellow_card"), (5, "yellow_card"),
])
def test_escalate_default(earlier, warning):
    assert escalate(earlier) == warning


@pytest.mark.parametrize("earlier, warning", [(0, "verbal_warning"), (1, "verbal_warning"), (2, "yellow_card")])
def test_escalate_setting(earlier, warning):
    # an admin sets the yellow card to start at the 3rd miss
    assert escalate(earlier, RuleSettings(card_yellow_from_miss=3)) == warning


@pytest.mark.parametrize("bad", [-1, True, 1.0])
def test_escalate_rejects(bad):
    with pytest.raises(ValidationError):
        escalate(bad)


def test_misses_in_year_before():
    at = datetime(2024, 6, 15, 10, tzinfo=CST)
    times = [
        datetime(2023, 6, 15, 10, tzinfo=CST),                            # first instant: counts
        datetime(2023, 6, 15, 9, 59, 59, tzinfo=CST),                     # a second earlier: no
        datetime(2024, 6, 14, 10, tzinfo=CST),                            # counts
        at,                                                               # the new miss itself: no
    ]
    assert misses_in_year_before(times, at) == 2
    assert escalate(misses_in_year_before(times, at)) == "yellow_card"


@pytest.mark.parametrize("warning, bad", [("verbal_warning", False), ("yellow_card", True)])
def test_is_bad_record(warning, bad):
    assert is_bad_record(warning) is bad
