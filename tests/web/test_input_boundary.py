"""Input at one boundary (issue 13 §7, CASES K-23): NUL bytes and lone surrogates are a Chinese 400,
other control characters are removed, ids above 2³¹−1 are 404 on every route, card serials and
query integers never overflow, deep JSON is refused. Runs on SQLite and PostgreSQL."""
import re

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from creditstreet.domain.inputs import db_id, json_depth, strip_controls
from creditstreet.models import Complaint
from tests import factories

BIG_IDS = [str(2**31), str(2**63), str(2**64), str(10**30), "9" * 5000]


@pytest.fixture
def shop(street, db):
    s = factories.make_shop(street, "张记面馆")
    db.session.commit()
    return s


def _complaint_form(client, **kw):
    html = client.get("/complaints/new").get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1),
            "submission_token": re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html).group(1),
            "kind": "complaint", "description": "面里有头发，要求退款28元", "consumer_phone": "13800138000",
            "consumer_name": "王小明", "amount": "28"}
    data.update(kw)
    return data


def _api_body(shop, **kw):
    d = {"kind": "complaint", "shop_id": shop.id, "description": "面里有头发", "consumer_name": "王小明",
         "consumer_phone": "13800138000", "amount": "28.00"}
    d.update(kw)
    return d


# --- pure rules -------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, kept", [
    ("王小明\x08", "王小明"),
    ("面里有头发\x0b退款28元", "面里有头发退款28元"),
    ("\x1f备注", "备注"),
    ("退款\x1b[31m", "退款[31m"),
    ("第一行\r\n第二行\r第三行", "第一行\n第二行\n第三行"),
    ("制表\t保留\n换行保留", "制表\t保留\n换行保留"),
    ("零宽\u200b保留", "零宽\u200b保留"),
    ("C1控制\x85\x9f字符\x7f", "C1控制字符"),
])
def test_strip_controls(typed, kept):
    assert strip_controls(typed) == kept


@pytest.mark.parametrize("value, expected", [
    (1, 1), ("42", 42), (" 7 ", 7), (2**31 - 1, 2**31 - 1), (2**31, None), ("2147483648", None),
    ("13912345678", None), (0, None), (-1, None), (True, None), ("１２", None), ("1e3", None), (None, None), (4.0, None),
])
def test_db_id(value, expected):
    assert db_id(value) == expected


def test_json_depth_counts_brackets_outside_strings():
    assert json_depth(b'{"a": [1, {"b": "[[[[["}]}') == 3
    assert json_depth(b'"just a string"') == 0
    assert json_depth(b"[" * 100_000 + b"]" * 100_000) == 100_000


# --- ids in routes ----------------------------------------------------------------------------

def _int_routes(app):
    for rule in app.url_map.iter_rules():
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            yield rule


def _url(rule, big: str) -> str:
    def arg(m):
        name = m.group(2)
        conv = rule._converters[name]
        if isinstance(conv, IntegerConverter):
            return big
        if m.group(1) and m.group(1).startswith("any"):
            return re.findall(r"[\w-]+", m.group(1)[3:])[0]
        return "x"
    return re.sub(r"<(?:([^:<>]+):)?(\w+)>", arg, rule.rule)


def test_every_route_with_an_id_answers_404_for_ids_beyond_the_database(app, client, street, login_as):
    rules = list(_int_routes(app))
    assert len(rules) > 30  # the walk really covers the app
    login_as("admin")  # past every role guard: routing itself refuses
    bad = []
    for rule in rules:
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        for big in BIG_IDS:
            url = _url(rule, big)
            resp = client.open(url, method=method)
            if resp.status_code != 404:
                bad.append((url[:80], resp.status_code))
    assert bad == []


def test_the_largest_database_id_is_still_an_id(app, client, street, login_as):
    login_as("admin")
    assert client.get(f"/admin/shops/{2**31 - 1}").status_code == 404  # routed, then not found
    assert client.get("/shops/2147483647").status_code == 404
    shop = factories.make_shop(street)
    assert client.get(f"/admin/shops/{shop.id}").status_code == 200


@pytest.mark.parametrize("query", ["page=99999999999999999999999", "page=-99999999999999999999", "page=2147483648"])
def test_integers_in_query_strings_never_overflow(client, street, shop, query):
    assert client.get("/?" + query).status_code in (200, 302, 404)


# --- NUL bytes and lone surrogates --------------------------------------------------------------

@pytest.mark.parametrize("path", ["/?q=%00", "/shops?q=a%00b", "/cards/verify?serial=%00", "/track/AB%00CD"])
def test_nul_in_a_url_is_a_chinese_400(client, street, path):
    resp = client.get(path)
    assert resp.status_code in (400, 404), path
    if resp.status_code == 400:
        assert "无法保存的字符" in resp.get_data(as_text=True)


def test_nul_in_the_complaint_form_is_a_chinese_400_and_nothing_stored(client, db, shop):
    resp = client.post("/complaints/new", data=_complaint_form(client, shop_id=str(shop.id),
                                                               description="面里有头发\x00退款"))
    assert resp.status_code == 400 and "无法保存的字符" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Complaint)) is None


@pytest.mark.parametrize("field, value", [("description", "面里\u0000有头发"), ("consumer_name", "\ud800"),
                                         ("title", "标题\udfff"), ("kind", "\x00")])
def test_nul_and_lone_surrogates_in_json_are_a_chinese_400(client, db, shop, field, value):
    resp = client.post("/api/complaints", json=_api_body(shop, **{field: value}))
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "bad_characters"
    assert "无法保存的字符" in resp.get_json()["error"]["message"]
    assert db.session.scalar(select(Complaint)) is None


def test_a_lone_surrogate_as_raw_json_escape(client, db, shop):
    raw = '{"kind": "complaint", "shop_id": %d, "description": "\\ud800", "consumer_phone": "13800138000"}' % shop.id
    resp = client.post("/api/complaints", data=raw, content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_characters"


# --- other control characters are removed -------------------------------------------------------

def test_control_characters_are_removed_from_the_form(client, db, shop):
    resp = client.post("/complaints/new", data=_complaint_form(
        client, shop_id=str(shop.id), consumer_name="王小明\x08", description="面里有头发\x0b退款28元\r\n第二行"))
    assert resp.status_code == 302
    c = db.session.scalar(select(Complaint))
    assert c.consumer_name == "王小明"
    assert c.description == "面里有头发退款28元\n第二行"


def test_control_characters_are_removed_from_json(client, db, shop):
    resp = client.post("/api/complaints", json=_api_body(shop, consumer_name="王小明\x08",
                                                           description="面里有头发\x0b退款28元"))
    assert resp.status_code == 201, resp.get_json()
    c = db.session.scalar(select(Complaint))
    assert (c.consumer_name, c.description) == ("王小明", "面里有头发退款28元")


def test_passwords_are_compared_as_typed(client, street, db):
    factories.make_user("inspector", username="zhang", street=street, password="pass\x08word-1")
    db.session.commit()
    from tests.conftest import login

    assert login(client, "zhang", "password-1").status_code == 200
    assert login(client, "zhang", "pass\x08word-1").status_code == 302


# --- card serials and ids in bodies -------------------------------------------------------------

@pytest.mark.parametrize("serial", ["13912345678", "139123456789", "1391234567", "2147483648", "9" * 40])
def test_a_phone_typed_into_the_card_field_is_a_chinese_message(client, db, shop, serial):
    resp = client.post("/complaints/new", data=_complaint_form(client, card_serial=serial))
    assert resp.status_code == 200 and "信誉卡编号应为不超过8位的数字" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Complaint)) is None
    page = client.get(f"/cards/verify?serial={serial}")
    assert page.status_code == 200 and "无效" in page.get_data(as_text=True)
    api = client.post("/api/complaints", json=_api_body(shop, shop_id=None, card_serial=serial))
    assert api.status_code in (400, 422) and "error" in api.get_json()
    api = client.post("/api/complaints", json=_api_body(shop, shop_id=None, card_serial=int(serial)))
    assert api.status_code in (400, 422) and "error" in api.get_json()


@pytest.mark.parametrize("shop_id", [2**31, 2**63, 2**64, "2147483648", "99999999999999999999", -1])
def test_an_out_of_range_shop_id_is_a_chinese_error(client, db, shop, shop_id):
    api = client.post("/api/complaints", json=_api_body(shop, shop_id=shop_id))
    assert api.status_code in (400, 404, 422) and not api.get_json()["error"]["message"].isascii()
    form = client.post("/complaints/new", data=_complaint_form(client, shop_id=str(shop_id)))
    assert form.status_code == 200
    assert db.session.scalar(select(Complaint)) is None


# --- JSON depth -------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [21, 1000, 100_000])
def test_deeply_nested_json_is_a_chinese_400(client, db, shop, depth):
    raw = '{"kind": "complaint", "x": ' + "[" * depth + "]" * depth + "}"
    resp = client.post("/api/complaints", data=raw, content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "json_too_deep"
    assert "嵌套" in resp.get_json()["error"]["message"]


def test_json_at_the_allowed_depth_is_read(client, db, shop):
    body = _api_body(shop)
    body["extra"] = [[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]  # 19 levels inside the object = 20
    assert client.post("/api/complaints", json=body).status_code == 201
