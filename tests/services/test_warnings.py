"""Consumer warnings from complaint hotspots (SPEC W1), with hand-worked thresholds."""
import itertools
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from creditstreet.domain.errors import ValidationError
from creditstreet.extensions import db
from creditstreet.models import Complaint, ConsumerWarning
from creditstreet.services import warnings

from .. import factories

NOW = datetime(2026, 3, 31, 4, 0, tzinfo=timezone.utc)  # 2026-03-31 12:00 in Shanghai
_codes = itertools.count(1)


def complaint(street, category, at, kind="complaint"):
    c = Complaint(street_id=street.id, kind=kind, goods_category=category, received_at=at,
                  tracking_code=f"W{next(_codes):08d}", title="t")
    db.session.add(c)
    return c


@pytest.mark.parametrize("recent, previous, expected", [
    (3, 0, True),    # minimum 3 reached, no baseline
    (2, 0, False),   # below the minimum of 3
    (3, 4, True),    # 3/30 = 0.100 ≥ 2 × 4/90 = 0.0889
    (3, 5, False),   # 3/30 = 0.100 < 2 × 5/90 = 0.111
    (4, 6, True),    # 4/30 = 0.1333 = 2 × 6/90 exactly: at the threshold counts
    (4, 7, False),   # 2 × 7/90 = 0.1556
])
def test_hotspot_thresholds(app, recent, previous, expected):
    assert warnings.is_hotspot(recent, previous) is expected


def test_drafts_one_warning_per_hot_category_with_figures(app, street):
    d = timedelta(days=1)
    # 服装: recent 3 (one exactly at now − 30 d, which belongs to the recent window), previous 4.
    for at in (NOW - 30 * d, NOW - 2 * d, NOW - d):
        complaint(street, "服装", at)
    for at in (NOW - 40 * d, NOW - 60 * d, NOW - 80 * d, NOW - 100 * d):
        complaint(street, "服装", at)
    complaint(street, "服装", NOW)  # at now: outside [now − 30 d, now)
    complaint(street, "服装", NOW - d, kind="report")  # reports are not complaints
    # 鞋: recent 3, previous 5 (one exactly at now − 120 d is inside): 0.1 < 2 × 5/90 → not hot.
    for at in (NOW - 3 * d, NOW - 4 * d, NOW - 5 * d):
        complaint(street, "鞋", at)
    for at in (NOW - 120 * d, NOW - 50 * d, NOW - 70 * d, NOW - 90 * d, NOW - 110 * d):
        complaint(street, "鞋", at)
    complaint(street, "鞋", NOW - 120 * d - timedelta(seconds=1))  # before the baseline window
    db.session.flush()
    assert warnings.category_counts(street.id, NOW) == {"服装": (3, 4), "鞋": (3, 5)}
    drafts = warnings.draft_hotspot_warnings(NOW)
    assert [w.goods_category for w in drafts] == ["服装"]
    w = drafts[0]
    assert w.status == "draft" and w.figures["recent"] == 3 and w.figures["previous"] == 4
    assert "3件" in w.body
    # No duplicate while the draft exists, nor while the approved one is unexpired.
    assert warnings.draft_hotspot_warnings(NOW) == []
    admin = factories.make_user("admin", street=street)
    warnings.approve_warning(admin, w, "服装消费警示", "注意查验", date(2026, 4, 30), NOW)
    assert warnings.draft_hotspot_warnings(NOW) == []
    assert [x.id for x in warnings.current_warnings(street, NOW)] == [w.id]
    # 2026-04-30 is the last day shown: at 2026-05-01 08:00 Shanghai it is gone.
    may1 = datetime(2026, 5, 1, 0, 0, tzinfo=timezone.utc)
    assert warnings.current_warnings(street, datetime(2026, 4, 30, 15, 59, tzinfo=timezone.utc))
    assert warnings.current_warnings(street, may1) == []


def test_approve_validates_in_chinese_and_dismiss(app, street):
    admin = factories.make_user("admin", street=street)
    w = ConsumerWarning(street_id=street.id, goods_category="鞋", title="t", body="b")
    db.session.add(w)
    db.session.flush()
    with pytest.raises(ValidationError) as e:
        warnings.approve_warning(admin, w, "t", "b", date(2026, 3, 30), NOW)  # yesterday in Shanghai
    assert "截止日期" in e.value.message
    with pytest.raises(ValidationError):
        warnings.approve_warning(admin, w, "  ", "b", date(2026, 4, 30), NOW)
    warnings.dismiss_warning(admin, w, NOW)
    assert w.status == "dismissed"
    assert warnings.current_warnings(street, NOW) == []
    with pytest.raises(ValidationError):
        warnings.approve_warning(admin, w, "t", "b", date(2026, 4, 30), NOW)
    assert db.session.scalars(select(ConsumerWarning)).one().status == "dismissed"


def test_drafts_of_one_street_only(app, street):
    other = factories.make_street("别的街")
    for st in (street, other):
        for days in (1, 2, 3):  # 3 recent, none before: a hotspot on both streets
            complaint(st, "服装", NOW - timedelta(days=days))
    db.session.flush()
    drafts = warnings.draft_hotspot_warnings(NOW, street_id=other.id)
    assert [(w.street_id, w.goods_category) for w in drafts] == [(other.id, "服装")]
    assert [w.street_id for w in warnings.draft_hotspot_warnings(NOW)] == [street.id]  # the other has its draft
