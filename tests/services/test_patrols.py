"""Patrols, violations, special actions and industry groups (SPEC P1–P4)."""
import io
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from creditstreet.domain.errors import InvalidTransition, ValidationError
from creditstreet.models import AuditEntry, Patrol, Photo, Violation
from creditstreet.services import patrols
from tests import factories

SH = ZoneInfo("Asia/Shanghai")
ALL_PASS = {item: "pass" for item in patrols.CHECKLIST_LABELS}


@pytest.fixture
def inspector(street):
    group = factories.make_group(street, "第一巡查组")
    return factories.make_user("inspector", street=street, group_id=group.id)


def _jpeg_with_exif() -> bytes:
    img = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def test_record_patrol_is_idempotent_and_strips_photo_metadata(street, inspector):
    shop = factories.make_shop(street)
    raw = _jpeg_with_exif()
    assert b"PhoneMaker" in raw
    checklist = {**ALL_PASS, "counterfeit": "fail", "cards": "na"}
    p1 = patrols.record_patrol(inspector, shop, inspector.group, checklist, "发现假牙膏",
                               [io.BytesIO(raw)], submission_token="tok-1")
    p2 = patrols.record_patrol(inspector, shop, inspector.group, checklist, "发现假牙膏",
                               [io.BytesIO(raw)], submission_token="tok-1")
    assert p1.id == p2.id and Patrol.query.count() == 1
    assert (p1.counterfeit, p1.cards, p1.licence) == ("fail", "na", "pass")
    assert patrols.failed_items(p1) == ["counterfeit"]
    photo = Photo.query.filter_by(patrol_id=p1.id).one()
    assert photo.data[:2] == b"\xff\xd8" and b"PhoneMaker" not in photo.data
    assert AuditEntry.query.filter_by(action="patrol.record").count() == 1


def test_record_patrol_validation(street, inspector):
    shop = factories.make_shop(street)
    with pytest.raises(ValidationError, match="检查结果"):
        patrols.record_patrol(inspector, shop, None, {"licence": "maybe"})
    with pytest.raises(ValidationError, match="未知的检查项目"):
        patrols.record_patrol(inspector, shop, None, {"smell": "pass"})
    closed = factories.make_shop(street, status="closed")
    with pytest.raises(ValidationError, match="已歇业"):
        patrols.record_patrol(inspector, closed, None, ALL_PASS)
    supervisor = factories.make_user("supervisor", street=street)
    with pytest.raises(ValidationError):
        patrols.record_patrol(supervisor, shop, None, ALL_PASS)


def test_raise_violation_with_seizures_and_validation(street, inspector):
    shop = factories.make_shop(street)
    patrol = patrols.record_patrol(inspector, shop, None, {"counterfeit": "fail"})
    v = patrols.raise_violation(inspector, shop, patrol, "serious", "counterfeit", "《产品质量法》第五十条",
                                "销售假冒牙膏", "没收并罚款", "1,500.50",
                                [("牙膏", "168", "支"), ("", "", ""), ("洗发水", "12", "瓶")], "counterfeit")
    assert v.fine_fen == 150050  # 1500.50 yuan
    assert [(s.goods, s.quantity, s.unit) for s in v.seizures] == [("牙膏", 168, "支"), ("洗发水", 12, "瓶")]
    bad = [
        (dict(severity="minor"), "严重程度"),
        (dict(kind="smuggling"), "类别"),
        (dict(description=""), "违法事实"),
        (dict(legal_basis=""), "法律依据"),
        (dict(fine_yuan="-3"), "金额"),
        (dict(fine_yuan="1.234"), "金额"),
        (dict(seizures=[("牙膏", "十", "支")]), "第1行"),
        (dict(seizures=[("牙膏", "3", "")]), "单位"),
        (dict(seizures=[("", "3", "支")]), "品名"),
    ]
    base = dict(severity="general", kind="other", legal_basis="依据", description="事实", fine_yuan="")
    for change, message in bad:
        with pytest.raises(ValidationError, match=message):
            patrols.raise_violation(inspector, shop, None, **{**base, **change})
    other = factories.make_shop(street)
    with pytest.raises(ValidationError, match="不属于此商户"):
        patrols.raise_violation(inspector, other, patrol, **base)


def test_special_action_totals_sum_seized_goods(street, inspector):
    action = patrols.create_special_action(inspector, street.id, "牙膏专项检查", date(2026, 3, 15))
    markets = [factories.make_shop(street, f"超市{i}") for i in range(3)]
    for shop, qty in zip(markets, (168, 200, 136)):
        p = patrols.record_patrol(inspector, shop, None, {"counterfeit": "fail"}, special_action=action)
        patrols.raise_violation(inspector, shop, p, "serious", "counterfeit", "依据", "假牙膏", "",
                                "", [("牙膏", str(qty), "支")])
    clean = factories.make_shop(street, "便利店")
    p = patrols.record_patrol(inspector, clean, None, ALL_PASS)
    patrols.attach_patrol(inspector, action, p)
    # Another patrol of the first market within the action: shops stay 4, patrols 5.
    patrols.record_patrol(inspector, markets[0], None, ALL_PASS, special_action=action)
    totals = patrols.special_action_totals(action)
    # 168 + 200 + 136 = 504 支 toothpaste from 3 supermarkets.
    assert totals.seized == (patrols.SeizedTotal("牙膏", "支", 504, 3),)
    assert (totals.patrols, totals.shops_checked, totals.violations, totals.serious) == (5, 4, 3, 3)


def test_peer_finding_becomes_violation_only_when_confirmed(street, inspector):
    group = patrols.create_industry_group(inspector, street.id, "cosmetics")
    shop = factories.make_shop(street, "美美化妆品")
    outsider = factories.make_shop(street)
    patrols.add_member(inspector, group, shop)
    assert patrols.members(group) == [shop]
    with pytest.raises(ValidationError, match="不是"):
        patrols.record_peer_finding(inspector, group, outsider, "过期面霜")
    f1 = patrols.record_peer_finding(inspector, group, shop, "货架上有过期面霜", "counterfeit")
    f2 = patrols.record_peer_finding(inspector, group, shop, "价签缺失", "price_fraud")
    assert Violation.query.count() == 0  # findings alone are not violations
    v = patrols.confirm_peer_finding(inspector, f1, "general", "《产品质量法》")
    assert (v.kind, v.severity, v.description, f1.status, f1.violation_id) == (
        "counterfeit", "general", "货架上有过期面霜", "confirmed", v.id)
    patrols.dismiss_peer_finding(inspector, f2, "已当场整改")
    assert f2.status == "dismissed" and Violation.query.count() == 1
    with pytest.raises(InvalidTransition):
        patrols.confirm_peer_finding(inspector, f2, "general", "依据")


def test_licence_flags_and_nearest_house_numbers(street):
    today = date(2026, 5, 20)
    expired = factories.make_shop(street, licence_expires_on=date(2026, 5, 19))
    on_day = factories.make_shop(street, licence_expires_on=date(2026, 5, 20))  # still valid today
    forever = factories.make_shop(street, licence_expires_on=date(2020, 1, 1), licence_no_expiry=True)
    flags = patrols.licence_flags([expired, on_day, forever], today)
    assert flags == {expired.id: "营业执照已于2026-05-19过期"}

    shops = [factories.make_shop(street, house_number=h) for h in ("120号", "8号", "131号", "东巷", "125-2号")]
    near = patrols.nearest_shops(shops, "128")
    # |125-128| = 3, |131-128| = 3 (tie broken by house number text), |120-128| = 8, |8-128| = 120; 东巷 last.
    assert [s.house_number for s in near] == ["125-2号", "131号", "120号", "8号", "东巷"]


def test_violation_token_and_one_violation_per_failed_item(street, inspector):
    """QA: a double submit gave two violations; two forms for one failed item gave two."""
    shop = factories.make_shop(street)
    patrol = patrols.record_patrol(inspector, shop, None, {**ALL_PASS, "counterfeit": "fail"})
    args = (inspector, shop, patrol, "serious", "counterfeit", "《产品质量法》第五十条", "销售假冒牙膏")
    first = patrols.raise_violation(*args, seizures=[("牙膏", "168", "支")], checklist_item="counterfeit",
                                    submission_token="form-1")
    again = patrols.raise_violation(*args, seizures=[("牙膏", "168", "支")], checklist_item="counterfeit",
                                    submission_token="form-1")
    assert again.id == first.id and Violation.query.count() == 1
    assert patrols.violation_for_item(patrol, "counterfeit").id == first.id
    # A second form (new token) for the same patrol item is refused, naming the first violation.
    with pytest.raises(ValidationError) as e:
        patrols.raise_violation(*args, checklist_item="counterfeit", submission_token="form-2")
    assert e.value.message == f"该检查项已登记违法行为 #{first.id}" and e.value.code == "item_has_violation"
    # Other items of the patrol, and violations raised directly, are not limited.
    patrols.raise_violation(inspector, shop, patrol, "general", "price_fraud", "《价格法》", "未明码标价",
                            checklist_item="prices")
    patrols.raise_violation(inspector, shop, None, "general", "other", "《消费者权益保护法》", "另案")
    patrols.raise_violation(inspector, shop, None, "general", "other", "《消费者权益保护法》", "另案二")
    assert Violation.query.count() == 4


def test_an_absurd_seized_quantity_is_refused_in_chinese():
    # 99999999999 would overflow the 32-bit quantity column on PostgreSQL (a 500); it is a typo.
    from creditstreet.domain.errors import ValidationError
    from creditstreet.services.patrols import _parse_seizures

    assert _parse_seizures([("牙膏", "10000000", "支")]) == [("牙膏", 10_000_000, "支")]
    with pytest.raises(ValidationError, match="数量应为 1 到 10000000 之间的整数"):
        _parse_seizures([("牙膏", "99999999999", "支")])
