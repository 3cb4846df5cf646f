"""Every list a person sees is paged (SPEC Y3): 50 rows a page, natural house order, the filters kept."""
from datetime import datetime, timezone
from fractions import Fraction

import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.extensions import db
from creditstreet.models import CreditGrade, Training
from creditstreet.services import ballots, exams, paging, participation
from tests import factories
from tests.conftest import csrf_token

IN_Q2 = datetime(2024, 6, 20, 2, tzinfo=timezone.utc)  # inside 2024Q2's ballot window


def _shops(street, n, prefix="铺"):
    # House numbers 1号 … n号, created in reverse so neither id nor text order is the natural one.
    return [factories.make_shop(street, f"{prefix}{i}", house_number=f"{i}号") for i in range(n, 0, -1)]


def test_clamp_moves_any_page_number_into_range():
    assert paging.clamp(None, 0) == (1, 1)  # an empty list still has its one (empty) page
    assert paging.clamp(0, 120) == (1, 3)
    assert paging.clamp(3, 120) == (3, 3)  # 50 + 50 + 20
    assert paging.clamp(99, 120) == (3, 3)
    assert paging.clamp(-5, 100) == (1, 2)


def test_paging_by_key_gives_the_same_pages_in_the_same_order(app, street):
    from sqlalchemy import select

    from creditstreet.models import Shop

    _shops(street, 120)  # 1号 … 120号, ids in reverse house order
    db.session.flush()
    stmt = select(Shop).where(Shop.street_id == street.id).order_by(Shop.house_sort, Shop.id)
    for page in (1, 2, 3, 99):
        plain, by_key = paging.paginate(stmt, page), paging.paginate(stmt, page, key=Shop.id)
        assert [s.name for s in by_key.items] == [s.name for s in plain.items]
        assert (by_key.total, by_key.page, by_key.pages) == (plain.total, plain.page, plain.pages)
    assert [s.name for s in paging.paginate(stmt, 3, key=Shop.id).items] == [f"铺{i}" for i in range(101, 121)]
    assert paging.paginate(stmt.where(Shop.name == "无"), 1, key=Shop.id).items == []


def test_inspector_shop_list_pages_in_house_order_and_keeps_the_search(client, login_as, street):
    _shops(street, 120)
    factories.make_shop(street, "别家", house_number="500号")
    db.session.commit()
    login_as("inspector")
    html = client.get("/inspector/shops").get_data(as_text=True)
    assert "共 121 户" in html
    assert ">铺1<" in html and ">铺50<" in html and ">铺51<" not in html
    assert html.index(">铺2<") < html.index(">铺10<")  # 2号 before 10号: natural, not text, order
    assert "第 1 / 3 页" in html and "page=2" in html
    last = client.get("/inspector/shops?page=3").get_data(as_text=True)
    assert ">铺101<" in last and ">别家<" in last and ">铺100<" not in last
    assert client.get("/inspector/shops?page=999").get_data(as_text=True).count(">别家<") == 1  # past the end: last page
    found = client.get("/inspector/shops?q=铺&page=3").get_data(as_text=True)  # the search is kept across pages
    assert "共 120 户" in found and ">别家<" not in found and 'q=%E9%93%BA' in found


def test_admin_shop_list_shows_every_shop_across_pages_not_the_first_500(client, login_as, street):
    _shops(street, 60)
    db.session.commit()
    login_as("admin")
    first = client.get("/admin/shops").get_data(as_text=True)
    second = client.get("/admin/shops?page=2").get_data(as_text=True)
    assert "共 60 户" in first and ">铺50<" in first and ">铺51<" not in first
    assert ">铺51<" in second and ">铺60<" in second


def test_admin_grades_pages_the_shops_and_counts_the_latest_quarter(client, login_as, street):
    shops = _shops(street, 55)
    as_of = datetime(2024, 6, 30, 16, tzinfo=timezone.utc)
    for shop, grade in zip(shops, ["A"] * 2 + ["C"] + ["B"] * 52):
        db.session.add(CreditGrade(shop_id=shop.id, quarter="2024Q2", grade=grade, stars=None, as_of=as_of))
    db.session.add(CreditGrade(shop_id=shops[0].id, quarter="2024Q1", grade="C", stars=None,
                               as_of=datetime(2024, 3, 31, 16, tzinfo=timezone.utc)))
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/grades").get_data(as_text=True)
    # 2024Q2: 铺55 and 铺54 are A, 铺53 C, the other 52 B; 2024Q1 (older) is not counted.
    assert "2024Q2 评级结果" in html and "在营商户 55 家" in html
    counts = html.split("评级结果", 1)[1].split("</p>", 1)[0]
    assert "</span> 2 家" in counts and "</span> 52 家" in counts and "</span> 1 家" in counts
    assert ">铺50<" in html and ">铺51<" not in html
    row = html.split(">铺1<", 1)[1].split("</tr>", 1)[0]
    assert "2024Q2" in row  # each shop's latest quarter
    last = client.get("/admin/grades?page=2").get_data(as_text=True)
    row = last.split(">铺55<", 1)[1].split("</tr>", 1)[0]
    assert "badge-A" in row and "2024Q2" in row  # its 2024Q1 C is older


def test_ballot_overview_pages_shops_and_finds_outliers_over_the_whole_street(app, street):
    sups = [factories.make_user("supervisor", street=street, created_at=datetime(2024, 1, 1, tzinfo=timezone.utc))
            for _ in range(2)]
    shops = _shops(street, 60)  # shops[0] is 60号: on page 2
    yes = {"lawful": "1", "service": "1", "compliance": "1", "honesty": "1"}
    no_lawful = dict(yes, lawful="0")
    for shop in shops:
        for s in sups:
            ballots.cast_ballot(s, shop, "2024Q2", no_lawful if shop is shops[0] else yes, IN_Q2)
    db.session.flush()
    # lawful shares: 59 shops 1, one shop 0 → mean 59/60; 60号 differs by 59/60 ≥ 1/2 → flagged,
    # the others by 1/60 → not.
    p = ballots.participation(street.id, "2024Q2", page=1)
    assert p.page.total == 60 and len(p.shops) == 50 and p.shops[0].shop.house_number == "1号"
    assert p.flagged_total == 1 and [t.shop.id for t in p.flagged] == [shops[0].id]
    assert p.flagged[0].flagged == ("lawful",) and p.flagged[0].ballots == 2
    assert p.voted == 2 and all(t.ballots == 2 and not t.flagged for t in p.shops)
    p2 = ballots.participation(street.id, "2024Q2", page=2)
    assert [t.shop.house_number for t in p2.shops][-1] == "60号" and p2.shops[-1].flagged == ("lawful",)
    assert p2.shops[-1].yes == {"lawful": 0, "service": 2, "compliance": 2, "honesty": 2}


def test_mean_and_far_criteria_are_exact():
    # Shapes: 2 shops with 3 ballots / 1 yes, 1 shop with 1 ballot / 1 yes → mean (1/3+1/3+1)/3 = 5/9.
    means = participation.mean_shares([(3, (1, 1, 1, 1), 2), (1, (1, 1, 1, 1), 1)])
    assert means["lawful"] == Fraction(5, 9)
    assert participation.far_criteria(1, (0, 1, 1, 1), means) == ("lawful",)  # |0 − 5/9| ≥ 1/2
    assert participation.far_criteria(3, (1, 1, 1, 1), means) == ()  # |1/3 − 5/9| = 2/9
    assert participation.far_criteria(0, (0, 0, 0, 0), means) == ()  # no ballots: nothing to compare


def test_training_attendees_are_typed_one_name_a_line(client, login_as, street):
    a, b = factories.make_shop(street, "张记面馆"), factories.make_shop(street, "李记茶庄")
    db.session.commit()
    login_as("admin")
    token = csrf_token(client, "/admin/exams")
    bad = client.post("/admin/exams/training", data={"csrf_token": token, "t-held_on": "2024-05-01",
                                                     "t-topic": "消费维权培训", "t-shops": "张记面馆\n王记\n\n记"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "第 2 行：没有找到名为“王记”的商户" in html and "第 4 行" in html
    assert db.session.query(Training).count() == 0
    ok = client.post("/admin/exams/training", data={"csrf_token": token, "t-held_on": "2024-05-01",
                                                    "t-topic": "消费维权培训", "t-shops": "张记面馆\n李記茶莊\n"})
    assert ok.status_code == 302
    training = db.session.query(Training).one()
    assert sorted(x.shop_id for x in training.attendees) == sorted([a.id, b.id])


def test_find_shops_by_lines_lists_every_bad_line(app, street):
    factories.make_shop(street, "张记面馆")
    with pytest.raises(ValidationError) as e:
        exams.find_shops_by_lines(street.id, "无此店\n张记面馆\n也无")
    assert e.value.message.startswith("第 1 行：") and "第 3 行：" in e.value.message
    assert exams.find_shops_by_lines(street.id, "\n  \n") == []
