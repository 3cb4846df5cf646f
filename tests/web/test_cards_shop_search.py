"""The card page's shop field is a search, not a 153-option dropdown (issue 17, Admins)."""
import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.extensions import db
from creditstreet.models import CardBatch, CardRange
from creditstreet.services import shops as shop_svc
from tests import factories
from tests.conftest import csrf_token


@pytest.fixture
def three(street):
    return {h: factories.make_shop(street, name, house_number=h)
            for h, name in (("10号", "張記麵館"), ("101号", "张记小吃"), ("2号", "李家鞋店"))}


@pytest.mark.parametrize("typed, house", [
    ("10号 張記麵館", "10号"),  # the label the search list offers
    ("张记面馆", "10号"),  # simplified, whole name
    ("10", "10号"), ("１０号", "10号"),  # exactly house number 10, not 101
    ("鞋店", "2号"),
])
def test_resolve_one_shop(app, street, three, typed, house):
    assert shop_svc.resolve_shop(street, typed).house_number == house


@pytest.mark.parametrize("typed, message", [
    ("张记", "“张记”对应多个商户：10号 張記麵館、101号 张记小吃，请从列表中选择"),
    ("不存在", "没有找到商户“不存在”"),
    ("  ", "请输入商户名称或门牌号"),
])
def test_none_or_several_is_a_chinese_error(app, street, three, typed, message):
    with pytest.raises(ValidationError, match=message):
        shop_svc.resolve_shop(street, typed)


def test_the_page_offers_a_search_in_house_order_and_issues_by_name(client, login_as, street, three):
    db.session.add(CardBatch(street_id=street.id, name="第一批", first_serial=1, last_serial=1000))
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/cards").get_data(as_text=True)
    assert '<select id="issue-shop' not in html and 'list="shop-options"' in html
    options = html.split('<datalist id="shop-options">', 1)[1].split("</datalist>", 1)[0]
    assert options.index("2号 李家鞋店") < options.index("10号 張記麵館") < options.index("101号 张记小吃")
    batch = CardBatch.query.one()
    token = csrf_token(client, "/admin/cards")
    resp = client.post("/admin/cards", data={"csrf_token": token, "issue-batch_id": str(batch.id),
                                             "issue-shop": "张记", "issue-first": "1", "issue-last": "10"})
    assert resp.status_code == 200 and "对应多个商户" in resp.get_data(as_text=True)
    assert 'value="张记"' in resp.get_data(as_text=True)  # what was typed stays
    resp = client.post("/admin/cards", data={"csrf_token": token, "issue-batch_id": str(batch.id),
                                             "issue-shop": "101号", "issue-first": "1", "issue-last": "10"})
    assert resp.status_code == 302
    assert CardRange.query.one().shop_id == three["101号"].id


def test_a_large_street_gets_no_suggestion_list_but_the_typed_search_works(client, login_as, street, three,
                                                                          monkeypatch):
    monkeypatch.setattr(shop_svc, "SHOP_OPTIONS_MAX", 2)  # three shops: one more than listed
    db.session.add(CardBatch(street_id=street.id, name="第一批", first_serial=1, last_serial=1000))
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/cards").get_data(as_text=True)
    options = html.split('<datalist id="shop-options">', 1)[1].split("</datalist>", 1)[0]
    assert "<option" not in options
    batch = CardBatch.query.one()
    resp = client.post("/admin/cards", data={"csrf_token": csrf_token(client, "/admin/cards"),
                                             "issue-batch_id": str(batch.id), "issue-shop": "2号",
                                             "issue-first": "1", "issue-last": "10"})
    assert resp.status_code == 302 and CardRange.query.one().shop_id == three["2号"].id
    monkeypatch.setattr(shop_svc, "SHOP_OPTIONS_MAX", 3)  # exactly as many: all listed
    options = client.get("/admin/cards").get_data(as_text=True).split('<datalist id="shop-options">', 1)[1]
    assert options.split("</datalist>", 1)[0].count("<option") == 3


def test_industry_group_members_are_added_by_typed_name_or_house_number(client, login_as, street, three,
                                                                        monkeypatch):
    # A street over the suggestion limit lists no shops (a city street has 50,000); the inspector
    # types "101" (exactly house 101号) and the group gets that shop; a name matching nothing is
    # refused in Chinese with the typed text kept.
    from creditstreet.models import IndustryGroupMember
    from creditstreet.services import patrols

    monkeypatch.setattr(shop_svc, "SHOP_OPTIONS_MAX", 2)
    inspector = login_as("inspector")
    group = patrols.create_industry_group(inspector, street.id, "cosmetics")
    db.session.commit()
    url = f"/inspector/industry-groups/{group.id}"
    html = client.get(url).get_data(as_text=True)
    assert "<option" not in html.split('<datalist id="add-shop-options">', 1)[1].split("</datalist>", 1)[0]
    resp = client.post(url, data={"csrf_token": csrf_token(client, url), "add_shop": "101"})
    assert resp.status_code == 302
    assert [m.shop_id for m in IndustryGroupMember.query.all()] == [three["101号"].id]
    page = client.post(url, data={"csrf_token": csrf_token(client, url), "add_shop": "没有这家店"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "没有找到商户“没有这家店”" in html and 'value="没有这家店"' in html
    assert IndustryGroupMember.query.count() == 1
    # with the limit above the street's size the other two shops are suggested, the member not
    monkeypatch.setattr(shop_svc, "SHOP_OPTIONS_MAX", 300)
    options = client.get(url).get_data(as_text=True).split('<datalist id="add-shop-options">', 1)[1]
    assert options.split("</datalist>", 1)[0].count("<option") == 2
