"""Issue 17: the "all items pass" shortcut never passes an item the office already knows fails —
an expired business licence fails item 1 (主体资格有效、亮证经营). Dates worked by hand: a licence
is valid on its expiry day and expired from the next day."""
from datetime import date

import pytest

from creditstreet.domain import patrols as rules
from creditstreet.domain.errors import ValidationError

NA = {item: "na" for item in ("licence", "ledger", "advertising", "counterfeit", "prices", "cards")}


@pytest.mark.parametrize("expires_on, no_expiry, today, expired", [
    (date(2026, 10, 31), False, date(2026, 10, 31), False),  # the expiry day itself is still valid
    (date(2026, 10, 31), False, date(2026, 11, 1), True),
    (date(2020, 1, 1), True, date(2026, 11, 1), False),      # "长期" wins over a stale date
    (None, False, date(2026, 11, 1), False),                 # nothing on file: not known to fail
])
def test_licence_expired(expires_on, no_expiry, today, expired):
    assert rules.licence_expired(expires_on, no_expiry, today) is expired
    assert rules.known_failures(expires_on, no_expiry, today) == (
        {"licence": "营业执照已于2026-10-31过期"} if expired else {})


def test_the_shortcut_fails_the_known_item_and_passes_the_rest():
    known = {"licence": "营业执照已于2026-10-31过期"}
    assert rules.all_pass(NA, known) == {**{item: "pass" for item in NA}, "licence": "fail"}
    # the inspector saw a renewed licence and marked item 1 "pass" by hand: kept
    assert rules.all_pass({**NA, "licence": "pass"}, known)["licence"] == "pass"
    # item 1 typed "fail" agrees with what the office knows: not a contradiction
    assert rules.all_pass({**NA, "licence": "fail"}, known) == {**{i: "pass" for i in NA}, "licence": "fail"}
    # another typed failure still refuses the shortcut
    with pytest.raises(ValidationError) as e:
        rules.all_pass({**NA, "prices": "fail"}, known)
    assert e.value.code == "has_failures"
    assert rules.all_pass(NA) == {item: "pass" for item in NA}
