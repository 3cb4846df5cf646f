"""Public notice board and shop pages (SPEC G6, W2; CASES K-11, K-14)."""
import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from creditstreet.extensions import db
from creditstreet.models import AnnualStar, Complaint, ConsumerWarning, CreditGrade, utcnow

from .. import factories

_codes = itertools.count(1)


def grade(shop, quarter, letter, stars, official=True):
    # Official rows are stamped at the quarter's end (SPEC G1), as the scheduler writes them.
    from creditstreet.domain.time import Quarter

    as_of = Quarter.parse(quarter).end_utc("Asia/Shanghai") if official else utcnow()
    db.session.add(CreditGrade(shop_id=shop.id, quarter=quarter, as_of=as_of, grade=letter, stars=stars,
                               reasons=[{"kind": "violation", "id": 1, "text": "严重违法：售假"}]))


def complaint(street, shop, days_ago, **kw):
    c = Complaint(street_id=street.id, shop_id=shop.id, kind="complaint", tracking_code=f"B{next(_codes):08d}",
                  received_at=utcnow() - timedelta(days=days_ago), consumer_name="王小明",
                  consumer_phone="13800138000", goods_category=kw.pop("goods_category", "食品"),
                  description="老板让我打13912345678找他，我的电话13800138000，微信wxid_test01", **kw)
    db.session.add(c)


@pytest.fixture
def graded_street(street):
    zhang = factories.make_shop(street, name="张记面馆", ownership="private", principal="王老板",
                                phone="13912345678", house_number="1号")
    li = factories.make_shop(street, name="李家鞋店", principal="李四", phone="13700001111", house_number="2号")
    new = factories.make_shop(street, name="新开小店", house_number="3号")
    grade(zhang, "2025Q4", "B", 3)
    grade(zhang, "2026Q1", "A", 4)
    grade(li, "2026Q1", "C", 1)
    db.session.add(AnnualStar(shop_id=zhang.id, year=2025, stars=4, status="confirmed"))
    # 张记面馆: 5 complaints in the year, all accepted, 3 settled with 28.00 yuan each → 84.00.
    for i in range(5):
        agreed = i < 3
        complaint(street, zhang, 10 + i, accepted_at=utcnow(), status="closed" if agreed else "mediating",
                  outcome="agreement" if agreed else None, money_recovered_fen=2800 if agreed else 0)
    complaint(street, li, 20)  # only one for 李家鞋店: too few to publish
    zhang.public_reply = "已全部退款，欢迎监督。联系13912345678"
    db.session.commit()
    return street, zhang, li, new


def test_board_shows_stars_titles_and_no_grade_or_personal_data(client, graded_street):
    street, zhang, li, new = graded_street
    html = client.get("/").get_data(as_text=True)
    assert "张记面馆" in html and "李家鞋店" in html and "新开小店" in html
    assert "2025年度消费者满意企业（门店）" in html
    assert "★★★★" in html and "4星" in html and "1星" in html
    row_new = html.split("新开小店")[1].split("</tr>")[0]
    assert "待评定" in row_new and "☆" not in row_new  # not rated is not 0 stars
    # Statistics (SPEC §13 P4 definitions): 6 complaints received (5 + 1), 3 closed with an agreement,
    # 3 × 28.00 = 84.00 yuan; 3 closed < 5, so no success rate is published, only the counts.
    assert "收到投诉</dt><dd>6 件" in html and "已办结</dt><dd>3 件" in html and "84.00" in html
    assert "（调解成功率" not in html  # the rate itself ("（调解成功率 60.0%）") is absent
    assert "0719-12315" in html and "07:30–18:00" in html
    assert "<svg" in html and "http" not in html.split("<svg")[1].split("</svg>")[0].replace(
        "http://www.w3.org", "")
    for forbidden in ("badge-", "A级", "B级", "C级", "信用等级", "重点巡查", "严重违法",
                      "王小明", "13800138000", "13912345678", "13700001111", "王老板", "李四", "wxid"):
        assert forbidden not in html, forbidden


def test_shop_page_history_title_stats_and_reply(client, graded_street):
    street, zhang, li, new = graded_street
    html = client.get(f"/shops/{zhang.id}").get_data(as_text=True)
    assert "2026Q1" in html and "2025Q4" in html and "3星" in html
    assert "2025年度消费者满意企业（门店）" in html
    assert "收到投诉</dt><dd>5 件" in html and "84.00" in html
    assert "已全部退款" in html and "139****5678" in html
    for forbidden in ("13912345678", "13800138000", "王小明", "王老板", "badge-", "信用等级", "严重违法"):
        assert forbidden not in html, forbidden
    li_html = client.get(f"/shops/{li.id}").get_data(as_text=True)
    # P4: counts are always public; rates only from 5 closed complaints (李家鞋店: 1 received, 0 closed).
    assert "收到投诉</dt><dd>1 件" in li_html and "办结少于 5 件" in li_html and "调解成功率" not in li_html
    new_html = client.get(f"/shops/{new.id}").get_data(as_text=True)
    assert "待评定" in new_html and "0星" not in new_html
    assert client.get("/shops/99999").status_code == 404


def test_revoked_title_shows_as_revoked(client, graded_street):
    street, zhang, li, new = graded_street
    a = db.session.scalars(db.select(AnnualStar)).one()
    a.status, a.revoke_reason = "revoked", "经查售假"
    db.session.commit()
    html = client.get(f"/shops/{zhang.id}").get_data(as_text=True)
    assert "称号已撤销" in html and "经查售假" in html
    assert "称号已撤销" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("q", ["張記麵館", "张记麵馆", "张记面馆\u3000", "　記麵"])
def test_k11_search_tolerates_traditional_and_fullwidth_space(client, graded_street, q):
    html = client.get("/", query_string={"q": q}).get_data(as_text=True)
    assert "共 1 户经营户" in html and "张记面馆" in html and "李家鞋店" not in html


def test_approved_unexpired_warnings_only(client, street):
    today = date.today()
    for status, exp, title in (("approved", today + timedelta(days=5), "已发布的警示"),
                               ("draft", today + timedelta(days=5), "草稿警示"),
                               ("approved", today - timedelta(days=5), "过期警示")):
        db.session.add(ConsumerWarning(street_id=street.id, goods_category="鞋", title=title, body="注意",
                                       status=status, expires_on=exp))
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "已发布的警示" in html and "草稿警示" not in html and "过期警示" not in html


def test_board_paginates_with_a_fixed_number_of_queries(app, client, street):
    for i in range(60):
        shop = factories.make_shop(street, name=f"分页店{i:03d}", house_number=f"{i:03d}号")
        grade(shop, "2026Q1", "B", 2)
    db.session.commit()
    statements = []

    def count(*args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        html = client.get("/").get_data(as_text=True)
        first = len(statements)
        statements.clear()
        html3 = client.get("/?page=2").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # 60 shops at 50 per page → 2 pages; page 2 holds 10.
    assert "第 1 / 2 页" in html and html.count("/shops/") == 50
    assert "第 2 / 2 页" in html3 and html3.count("/shops/") == 10
    assert first <= 15 and len(statements) <= 15  # no query per shop


def test_favicon_is_served_and_linked(client, street):
    """QA: /favicon.ico answered 404."""
    resp = client.get("/favicon.ico")
    assert resp.status_code == 200 and resp.data[:4] == b"\x00\x00\x01\x00"  # ICO header: reserved 0, type 1
    assert client.get("/static/favicon.ico").status_code == 200
    assert 'rel="icon" href="/static/favicon.ico"' in client.get("/").get_data(as_text=True)


def test_board_sorts_house_numbers_by_number_and_finds_a_house_number(client, street):
    """QA: the board listed 19号, 1号, 200号 (text order) and searching 103号 found nothing."""
    for name, house in [("甲店", "19号"), ("乙店", "200号"), ("丙店", "1号"), ("丁店", "103号"), ("戊店", "1103号")]:
        factories.make_shop(street, name=name, house_number=house)
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    order = [html.index(h) for h in ("<td>1号</td>", "<td>19号</td>", "<td>103号</td>", "<td>200号</td>", "<td>1103号</td>")]
    assert order == sorted(order)  # 1 < 19 < 103 < 200 < 1103
    for q in ("103号", "103", "１０３号"):
        found = client.get("/", query_string={"q": q}).get_data(as_text=True)
        assert "丁店" in found and "戊店" not in found and "甲店" not in found, q  # 1103号 is another house


def test_house_sort_key_follows_an_edited_house_number(app, street):
    from creditstreet.models import Shop

    shop = factories.make_shop(street, house_number="7号")
    db.session.flush()
    assert shop.house_sort == "00000007号"
    shop.house_number = "12号"
    db.session.flush()
    assert db.session.scalar(db.select(Shop.house_sort).where(Shop.id == shop.id)) == "00000012号"


def test_public_history_marks_a_provisional_mid_quarter_result(client, street):
    # QA round 2: an admin's mid-quarter recompute appeared as a finished quarter on the public page.
    shop = factories.make_shop(street, "历史测试店")
    grade(shop, "2025Q4", "A", 4)
    grade(shop, "2026Q4", "B", 2, official=False)
    db.session.commit()
    html = client.get(f"/shops/{shop.id}").get_data(as_text=True)
    assert "2025Q4" in html or "2025年第4季度" in html
    assert html.count("季度进行中，临时结果") == 1  # only the 2026Q4 row, not the official 2025Q4
    assert html.index("2026Q4") < html.index("季度进行中，临时结果") < html.index("2025Q4")


def test_the_title_column_shows_only_on_a_street_with_titles(client, street):
    """Issue 17: a street where no shop holds an annual title has no 称号 column (blank on every
    row); once the admin confirms 2025's stars with one 4-star shop, it shows with that title."""
    from creditstreet.services import board as board_service

    zhang = factories.make_shop(street, "张记面馆")
    factories.make_shop(street, "李家鞋店")
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert '<th scope="col">称号</th>' not in html and "张记面馆" in html
    db.session.add(AnnualStar(shop_id=zhang.id, year=2025, stars=4, status="confirmed"))
    db.session.commit()
    board_service._cache.clear()
    html = client.get("/").get_data(as_text=True)
    assert '<th scope="col">称号</th>' in html
    row = html.split("张记面馆", 1)[1].split("</tr>", 1)[0]
    assert "2025年度消费者满意企业（门店）" in row
    other = html.split("李家鞋店", 1)[1].split("</tr>", 1)[0]
    assert other.count("<td>") == 3  # industry, stars, and an empty title cell
