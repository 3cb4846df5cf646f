"""Inspector forms preselect no finding (QA: tapping 登记查验 untouched recorded a pass), and the
violation form names every mistake at once next to its field, with required fields marked."""
import re

from creditstreet.extensions import db
from creditstreet.models import CardCheck, Complaint, IndustryGroup, PeerFinding, Violation

from .. import factories
from ..conftest import csrf_token


def _checked_radios(html: str, name: str) -> list[str]:
    return [m for m in re.findall(r'<input[^>]*name="%s"[^>]*>' % name, html) if "checked" in m]


def _select(html: str, name: str) -> str:
    return re.search(r'<select[^>]*name="%s".*?</select>' % name, html, re.S).group(0)


def _shows_choose_first(html: str, name: str) -> bool:
    """The select opens on "请选择" (value ""/"0", first) and nothing else is preselected."""
    sel = _select(html, name)
    options = re.findall(r"<option[^>]*>", sel)
    first_blank = re.search(r'value="(0?)"', options[0]) is not None
    return first_blank and all("selected" not in o for o in options[1:])


def _error_after(html: str, field_id: str) -> str:
    """The first error message of the field block that holds ``id="<field_id>"``."""
    start = html.index(f'id="{field_id}"')
    block_start = html.rindex('class="field', 0, start)
    m = re.search(r'<p class="error" role="alert">([^<]+)</p>', html[block_start:])
    end_of_block = html.find('class="field', start)
    assert m and (end_of_block == -1 or block_start + m.start() < end_of_block), f"no error at {field_id}"
    return m.group(1)


def test_the_card_check_has_no_preselected_answer_and_an_untouched_form_records_nothing(client, login_as, street):
    shop = factories.make_shop(street)
    db.session.commit()
    login_as("inspector")
    url = f"/inspector/shops/{shop.id}/card-checks/new"
    html = client.get(url).get_data(as_text=True)
    assert _checked_radios(html, "card_given") == []
    assert 'class="req"' in html  # the question is marked required
    resp = client.post(url, data={"csrf_token": csrf_token(client, url), "serial": "", "note": "问了两位顾客"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and CardCheck.query.count() == 0
    assert _error_after(page, "card_given") == "请选择信誉卡是否随货同行"
    assert "问了两位顾客" in page
    forged = client.post(url, data={"csrf_token": csrf_token(client, url), "card_given": "maybe"})
    assert forged.status_code == 200 and CardCheck.query.count() == 0
    ok = client.post(url, data={"csrf_token": csrf_token(client, url), "card_given": "no"})
    assert ok.status_code == 302 and [c.card_given for c in CardCheck.query] == [False]


def test_the_violation_form_preselects_no_severity_or_kind_and_marks_required_fields(client, login_as, street):
    shop = factories.make_shop(street)
    db.session.commit()
    login_as("inspector")
    html = client.get(f"/inspector/shops/{shop.id}/violations/new").get_data(as_text=True)
    assert _checked_radios(html, "severity") == []
    assert _shows_choose_first(html, "kind")
    for label in ("严重程度", "违法行为类别", "违法事实", "法律依据"):
        assert re.search(label + r'<span class="req" aria-hidden="true">\*</span>', html), label
    for label in ("处理处罚", "罚款金额（元）"):
        assert not re.search(re.escape(label) + r'<span class="req"', html), label


def test_every_violation_mistake_is_shown_at_once_next_to_its_field(client, login_as, street):
    shop = factories.make_shop(street)
    db.session.commit()
    login_as("inspector")
    url = f"/inspector/shops/{shop.id}/violations/new"
    data = {"csrf_token": csrf_token(client, url), "kind": "", "description": "店内商品未标价，共十二种",
            "legal_basis": "", "penalty": "", "fine_yuan": "五百",
            "seizures-0-goods": "毛巾", "seizures-0-quantity": "三", "seizures-0-unit": "条",
            "seizures-1-goods": "", "seizures-1-quantity": "2", "seizures-1-unit": ""}
    page = client.post(url, data=data).get_data(as_text=True)
    assert Violation.query.count() == 0
    # 7 mistakes: severity, kind, legal basis, fine, row 1 quantity, row 2 goods, row 2 unit.
    assert "有 7 处需要修改，请查看标红的项目" in page
    assert _error_after(page, "severity") == "请选择违法行为的严重程度（一般或严重）"
    assert _error_after(page, "kind") == "请选择违法行为类别"
    assert _error_after(page, "legal_basis") == "请填写法律依据"
    assert _error_after(page, "fine_yuan") == "罚款金额“五百”不是有效的金额"
    assert _error_after(page, "seizures-0-quantity") == "第1行扣押物品“毛巾”的数量应为 1 到 10000000 之间的整数"
    assert _error_after(page, "seizures-1-goods") == "第2行扣押物品缺少品名"
    assert _error_after(page, "seizures-1-unit") == "第2行扣押物品缺少单位（如支、件、盒）"
    assert "请填写违法事实" not in page  # the description was given
    assert "店内商品未标价，共十二种" in page and 'value="毛巾"' in page and 'value="五百"' in page


def test_a_peer_finding_form_preselects_no_shop_and_confirming_needs_a_severity(client, login_as, street):
    shop = factories.make_shop(street, "美美化妆品")
    login_as("inspector")
    token = csrf_token(client, "/inspector/industry-groups")
    client.post("/inspector/industry-groups", data={"csrf_token": token, "trade": "cosmetics"})
    group = IndustryGroup.query.one()
    url = f"/inspector/industry-groups/{group.id}"
    client.post(url, data={"csrf_token": csrf_token(client, url), "add_shop_id": str(shop.id)})
    html = client.get(url).get_data(as_text=True)
    assert _shows_choose_first(html, "shop_id") and _shows_choose_first(html, "suggested_kind")
    page = client.post(url, data={"csrf_token": csrf_token(client, url), "shop_id": "0", "suggested_kind": "",
                                  "description": "过期面霜"}).get_data(as_text=True)
    assert "请选择被检查商户" in page and PeerFinding.query.count() == 0
    client.post(url, data={"csrf_token": csrf_token(client, url), "shop_id": str(shop.id),
                           "suggested_kind": "counterfeit", "description": "过期面霜"})
    finding = PeerFinding.query.one()
    assert _shows_choose_first(client.get(url).get_data(as_text=True), "severity")  # its confirm form
    client.post(f"/inspector/findings/{finding.id}/confirm",
                data={"csrf_token": csrf_token(client, url), "severity": "", "legal_basis": "《产品质量法》"})
    db.session.expire_all()
    assert PeerFinding.query.one().status == "pending" and Violation.query.count() == 0
    assert "请选择违法行为的严重程度（一般或严重）" in client.get(url).get_data(as_text=True)


def test_closing_or_refusing_a_complaint_needs_a_chosen_outcome_or_reason(client, login_as, street):
    shop = factories.make_shop(street)
    inspector = login_as("inspector")
    c = Complaint(street_id=street.id, shop_id=shop.id, kind="complaint", tracking_code="TSQAFIX002",
                  description="鞋开胶", consumer_phone="13800000000", status="accepted", handler_id=inspector.id)
    db.session.add(c)
    db.session.commit()
    detail = client.get(f"/inspector/complaints/{c.id}").get_data(as_text=True)
    assert re.search(r'<select id="outcome" name="outcome"><option value="">请选择</option>', detail)
    resp = client.post(f"/inspector/complaints/{c.id}/close", data={"csrf_token": csrf_token(client, f"/inspector/complaints/{c.id}"),
                                                                   "outcome": "", "note": "已电话联系"})
    db.session.expire_all()
    assert "请选择办结结果" in resp.get_data(as_text=True) or "请选择办结结果" in client.get(
        f"/inspector/complaints/{c.id}").get_data(as_text=True)
    assert db.session.get(Complaint, c.id).status == "accepted"
