"""QA #7 (amount grouping, purchase dates) and #10 (one set of status labels) at the service level."""
from datetime import date, datetime, timezone

import pytest

from creditstreet.domain.complaints import STATE_LABELS
from creditstreet.domain.errors import ValidationError
from creditstreet.services import complaints as svc
from creditstreet.services import register
from tests import factories


@pytest.mark.parametrize(("typed", "fen"), [
    ("28.50", 2850), ("28", 2800),
    ("1,234.50", 123450),        # correct thousands grouping: 1234.50 yuan
    ("２８.５０", 2850),          # full-width digits
    ("12,345,678", 1234567800),
])
def test_amounts_accepted(typed, fen):
    assert svc.parse_amount_fen(typed) == fen


@pytest.mark.parametrize("typed", ["28,50", "1,23", "1,2345", ",28", "28.505"])
def test_malformed_amounts_refused(typed):
    with pytest.raises(ValidationError) as e:
        svc.parse_amount_fen(typed)
    assert "金额格式不正确" in e.value.message


NOW = datetime(2026, 11, 30, 2, tzinfo=timezone.utc)  # 2026-11-30 in Shanghai


def _file(street, shop, purchased_on):
    return svc.file_complaint(None, street, {"shop_id": shop.id, "description": "质量问题", "consumer_phone": "13800138000",
                                             "purchased_on": purchased_on}, None, now=NOW)[0]


def test_purchase_dates(db, street):
    shop = factories.make_shop(street, "张记面馆")
    with pytest.raises(ValidationError, match="不能晚于今天"):
        _file(street, shop, "2026-12-01")
    with pytest.raises(ValidationError, match="不能早于2000-01-01"):
        _file(street, shop, "1999-12-31")
    # Older than 3 years is still filed: refusing it is the inspector's decision (K3).
    assert _file(street, shop, "2020-05-01").purchased_on == date(2020, 5, 1)
    assert _file(street, shop, "2000-01-01").purchased_on == date(2000, 1, 1)


def test_register_uses_the_same_status_labels():
    assert register.STATUS_LABELS["received"] == STATE_LABELS["received"] == "已接收"
