"""Issue 17, inspectors: a patrol checks at least one item (with an "all items pass" shortcut), and
a failed item can carry a rectification deadline in working days, closed by a re-inspection.
Due dates are worked by hand from chinese-calendar 2026 (CASES K-19: the patrol day not counted)."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from creditstreet.domain import patrols as rules
from creditstreet.domain.errors import ValidationError
from creditstreet.models import AuditEntry, Patrol
from creditstreet.services import patrols
from tests import factories

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def inspector(street):
    group = factories.make_group(street, "第一巡查组")
    return factories.make_user("inspector", street=street, group_id=group.id)


@pytest.fixture
def shop(street):
    return factories.make_shop(street, "张记面馆")


@pytest.mark.parametrize("checklist", [{}, {item: "na" for item in patrols.CHECKLIST_LABELS}])
def test_an_empty_patrol_is_refused(db, inspector, shop, checklist):
    with pytest.raises(ValidationError) as e:
        patrols.record_patrol(inspector, shop, None, checklist)
    assert e.value.code == "nothing_checked" and "至少检查一项" in e.value.message
    assert db.session.scalar(select(func.count(Patrol.id))) == 0


def test_one_checked_item_is_a_patrol(db, inspector, shop):
    p = patrols.record_patrol(inspector, shop, None, {"prices": "pass"})
    assert (p.prices, p.licence) == ("pass", "na")


def test_all_items_pass_shortcut(db, inspector, shop):
    p = patrols.record_patrol(inspector, shop, None, {}, all_items_pass=True)
    assert [getattr(p, item) for item in patrols.CHECKLIST_LABELS] == ["pass"] * 6
    p2 = patrols.record_patrol(inspector, shop, None, {"ledger": "pass", "cards": "na"}, all_items_pass=True)
    assert p2.cards == "pass"
    with pytest.raises(ValidationError) as e:
        patrols.record_patrol(inspector, shop, None, {"prices": "fail"}, all_items_pass=True)
    assert e.value.code == "has_failures"


@pytest.mark.parametrize("at, days, due", [
    (datetime(2026, 9, 28, 10, tzinfo=SH), 7, date(2026, 10, 13)),   # Mon before National Day
    (datetime(2026, 10, 10, 9, tzinfo=SH), 7, date(2026, 10, 20)),   # a make-up working Saturday
    (datetime(2026, 2, 13, 16, tzinfo=SH), 7, date(2026, 3, 2)),     # Fri before Spring Festival
    (datetime(2026, 9, 30, 8, tzinfo=SH), 15, date(2026, 10, 27)),
    (datetime(2026, 9, 27, 23, 30, tzinfo=SH), 1, date(2026, 9, 28)),  # 23:30 local is still the 27th (Sun)
])
def test_a_failed_item_gets_a_deadline_in_working_days(db, inspector, shop, at, days, due):
    p = patrols.record_patrol(inspector, shop, None, {"prices": "fail", "licence": "pass"}, at=at,
                              rectify={"prices": str(days), "licence": ""})
    (r,) = patrols.for_patrol(p)
    assert (r.checklist_item, r.workdays, r.due_on, r.closed_at) == ("prices", days, due, None)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "rectification.order"))
    assert entry.after["due_on"] == due.isoformat()


@pytest.mark.parametrize("rectify, code", [
    ({"licence": "5"}, "rectify_not_failed"),   # a passed item
    ({"ledger": "5"}, "rectify_not_failed"),    # an unchecked item
    ({"prices": "0"}, "bad_rectify_days"),
    ({"prices": "61"}, "bad_rectify_days"),
    ({"prices": "五"}, "bad_rectify_days"),
    ({"prices": "13912345678"}, "bad_rectify_days"),
])
def test_bad_deadlines_are_refused_and_nothing_is_stored(db, inspector, shop, rectify, code):
    with pytest.raises(ValidationError) as e:
        patrols.record_patrol(inspector, shop, None, {"prices": "fail", "licence": "pass"}, rectify=rectify)
    assert e.value.code == code
    assert db.session.scalar(select(func.count(Patrol.id))) == 0


def test_a_re_inspection_that_passes_the_item_closes_it(db, street, inspector, shop):
    other = factories.make_shop(street, "李记")
    first = patrols.record_patrol(inspector, shop, None, {"prices": "fail", "cards": "fail"},
                                  at=datetime(2026, 9, 28, 10, tzinfo=SH), rectify={"prices": "7", "cards": "3"})
    patrols.record_patrol(inspector, other, None, {"prices": "pass"}, at=datetime(2026, 9, 29, 10, tzinfo=SH))
    again = patrols.record_patrol(inspector, shop, None, {"prices": "fail", "cards": "pass"},
                                  at=datetime(2026, 10, 9, 10, tzinfo=SH))
    rows = {r.checklist_item: r for r in patrols.for_patrol(first)}
    assert rows["cards"].closed_by_patrol_id == again.id and rows["cards"].closed_at is not None
    assert rows["prices"].closed_at is None  # failed again: still open
    open_ = patrols.open_rectifications(street.id, date(2026, 10, 13))
    assert [(o.shop.name, o.rectification.checklist_item, o.overdue) for o in open_] == [("张记面馆", "prices", False)]
    assert patrols.open_rectifications(street.id, date(2026, 10, 14))[0].overdue is True
    closing = patrols.record_patrol(inspector, shop, None, {}, all_items_pass=True,
                                    at=datetime(2026, 10, 15, 10, tzinfo=SH))
    assert rows["prices"].closed_by_patrol_id == closing.id
    assert patrols.open_rectifications(street.id, date(2026, 10, 15)) == []
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "rectification.close")) == 2


def test_parse_rectify_days_table():
    assert [rules.parse_rectify_days(x) for x in ("", None, " 5 ", "60", "1")] == [None, None, 5, 60, 1]


def test_an_empty_patrol_never_marks_a_plan_item_done(db, street, inspector, shop):
    """A patrol stored before the rule (all items "na") does not count for the random-draw plan."""
    from creditstreet.models import PatrolPlan, PatrolPlanItem
    from creditstreet.services import patrol_plan

    plan = PatrolPlan(street_id=street.id, quarter="2026Q4", seed=1, inputs={}, created_by=inspector.id)
    db.session.add(plan)
    db.session.flush()
    db.session.add(PatrolPlanItem(plan_id=plan.id, shop_id=shop.id, group_id=inspector.group_id,
                                  priority=False, grade="B"))
    db.session.add(Patrol(shop_id=shop.id, inspector_id=inspector.id, patrolled_at=datetime(2026, 10, 9, 2)))
    db.session.flush()
    assert [row.done for row in patrol_plan.plan_rows(plan, "Asia/Shanghai")] == [False]
    patrols.record_patrol(inspector, shop, None, {"licence": "pass"}, at=datetime(2026, 10, 9, 10, tzinfo=SH))
    assert [row.done for row in patrol_plan.plan_rows(plan, "Asia/Shanghai")] == [True]


def test_all_items_pass_records_an_expired_licence_as_failed(db, inspector, street):
    """Issue 17: licence valid to 2026-10-31; a patrol on 2026-11-01 00:30 Beijing time (still
    2026-10-31 16:30 UTC) is on the local 1st, so item 1 fails; one on the 31st at 23:30 passes."""
    shop = factories.make_shop(street, "李记百货", licence_expires_on=date(2026, 10, 31))
    late = patrols.record_patrol(inspector, shop, None, {}, all_items_pass=True,
                                 at=datetime(2026, 11, 1, 0, 30, tzinfo=SH))
    assert [getattr(late, item) for item in patrols.CHECKLIST_LABELS] == ["fail"] + ["pass"] * 5
    on_time = patrols.record_patrol(inspector, shop, None, {}, all_items_pass=True,
                                    at=datetime(2026, 10, 31, 23, 30, tzinfo=SH))
    assert on_time.licence == "pass"
    # an item the shortcut failed can carry a rectification period like any failed item
    rectified = patrols.record_patrol(inspector, shop, None, {}, all_items_pass=True, rectify={"licence": "5"},
                                      at=datetime(2026, 11, 2, 10, tzinfo=SH))
    assert rectified.licence == "fail" and [r.checklist_item for r in patrols.for_patrol(rectified)] == ["licence"]
