"""Annual stars, award list, plaques and revocation (SPEC S4)."""
from datetime import datetime, timezone

import pytest
from flask import render_template
from sqlalchemy import select

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.time import Quarter
from creditstreet.extensions import db
from creditstreet.models import AuditEntry, CreditGrade
from creditstreet.services import awards

from .. import factories

NOW = datetime(2026, 1, 15, tzinfo=timezone.utc)


def official_t(quarter: str):
    """Official grades are stamped as of the quarter end (SPEC G1): 2025Q4 → 2025-12-31 16:00 UTC."""
    return Quarter.parse(quarter).end_utc("Asia/Shanghai")


def grade(shop, stars, criteria, quarter="2025Q4", as_of=None):
    db.session.add(CreditGrade(shop_id=shop.id, quarter=quarter, as_of=as_of or official_t(quarter),
                               grade="A" if stars == 4 else "B", stars=stars, criteria=criteria))


@pytest.fixture
def year_end(street):
    admin = factories.make_user("admin", street=street)
    ent = factories.make_shop(street, name="国营百货", ownership="state", house_number="01")
    ind = factories.make_shop(street, name="张记面馆", ownership="individual", house_number="02")
    three = factories.make_shop(street, name="李家鞋店", ownership="private", house_number="03")
    unrated = factories.make_shop(street, name="新开小店", house_number="04")
    all4 = ["lawful", "service", "compliance", "honesty"]
    grade(ent, 4, all4)
    grade(ind, 4, all4)
    grade(three, 3, ["lawful", "service", "honesty"])
    grade(three, 4, all4, quarter="2025Q3")  # an earlier quarter does not count
    db.session.flush()
    return admin, ent, ind, three, unrated


def test_pure_helpers():
    assert awards.licence_mark(3) == "★★★ 三星级"
    assert awards.licence_mark(1) == "★ 一星级"
    with pytest.raises(ValidationError):
        awards.licence_mark(4)
    assert awards.public_shop_url("https://xx.gov.cn/", 12) == "https://xx.gov.cn/shops/12"


def test_propose_needs_q4_graded(app, street):
    with pytest.raises(ValidationError) as e:
        awards.propose_annual_stars(None, street.id, 2024, NOW)
    assert "第4季度尚未评定" in e.value.message


def test_propose_confirm_award_list_and_revoke(app, street, year_end):
    admin, ent, ind, three, unrated = year_end
    rows = awards.propose_annual_stars(admin, street.id, 2025, NOW)
    got = {r.shop_id: (r.stars, r.status) for r in rows}
    assert got == {ent.id: (4, "proposed"), ind.id: (4, "proposed"), three.id: (3, "proposed"),
                   unrated.id: (None, "proposed")}
    by_shop = {r.shop_id: r for r in rows}
    assert "待评定" in by_shop[unrated.id].reasons[0]["text"]
    assert by_shop[three.id].reasons[1]["text"] == "未获：服从管理好"
    assert awards.confirm_annual_stars(admin, street.id, 2025, NOW) == 4
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "annual_star.confirm")).all()) == 4
    award = awards.award_list(street.id, 2025)
    assert [s.id for s in award.enterprises] == [ent.id]  # state-owned counts as an enterprise
    assert [s.id for s in award.individuals] == [ind.id]
    assert [(s.id, n) for s, n in award.marks] == [(three.id, 3)]
    # Proposing again leaves confirmed rows alone; confirming again has nothing to do.
    awards.propose_annual_stars(admin, street.id, 2025, NOW)
    assert all(r.status == "confirmed" for r, _ in awards.annual_rows(street.id, 2025))
    with pytest.raises(ValidationError):
        awards.confirm_annual_stars(admin, street.id, 2025, NOW)
    # Revoking needs a reason; then the title is gone from the list.
    with pytest.raises(ValidationError):
        awards.revoke_title(admin, by_shop[ind.id], " ", NOW)
    awards.revoke_title(admin, by_shop[ind.id], "经查销售假冒商品", NOW)
    assert awards.award_list(street.id, 2025).individuals == []


def test_plaque_pdf_one_page_per_titled_shop_and_qr_url(app, street, year_end):
    from creditstreet.web.admin.awards import plaque_pages

    admin = year_end[0]
    app.config["PUBLIC_BASE_URL"] = "https://jd.example.gov.cn"
    awards.propose_annual_stars(admin, street.id, 2025, NOW)
    awards.confirm_annual_stars(admin, street.id, 2025, NOW)
    with app.test_request_context():
        pages = plaque_pages(street.id, 2025)
        assert [p["url"] for p in pages] == [f"https://jd.example.gov.cn/shops/{year_end[1].id}",
                                             f"https://jd.example.gov.cn/shops/{year_end[2].id}"]
        html = render_template("pdf/plaque.html", pages=pages, year=2025, street=street)
    assert "Noto Sans CJK SC" in html and "消费者满意企业" in html and "消费者满意门店" in html
    doc = awards.render_pdf(html)
    assert len(doc.pages) == 2  # two titled shops → two A4 landscape pages
    assert doc.pages[0].width > doc.pages[0].height
    assert doc.write_pdf().startswith(b"%PDF")


def test_annual_stars_refused_before_year_end_or_on_provisional_q4(app, street):
    """QA: on 2026-11-29 an on-demand 2026Q4 recompute (T = now) must not give 2026 stars."""
    admin = factories.make_user("admin", street=street)
    shop = factories.make_shop(street, name="王记茶庄", house_number="7")
    all4 = ["lawful", "service", "compliance", "honesty"]
    nov29 = datetime(2026, 11, 29, 2, 0, tzinfo=timezone.utc)
    grade(shop, 4, all4, quarter="2026Q4", as_of=nov29)  # provisional: as_of = now, not the quarter end
    db.session.flush()
    refusal = "2026年第四季度尚未结束（或尚未正式评定），不能确认年度星级"
    with pytest.raises(ValidationError) as e:
        awards.propose_annual_stars(admin, street.id, 2026, nov29)
    assert e.value.message == refusal
    # After the year is over but with the provisional rows still in place: still refused.
    with pytest.raises(ValidationError) as e:
        awards.propose_annual_stars(admin, street.id, 2026, datetime(2027, 1, 5, tzinfo=timezone.utc))
    assert e.value.message == refusal
    # Official rows (as_of = 2027-01-01 00:00 Shanghai = 2026-12-31 16:00 UTC) but one second before
    # that instant: Q4 is not over in the street's zone.
    db.session.scalars(select(CreditGrade)).one().as_of = official_t("2026Q4")
    db.session.flush()
    with pytest.raises(ValidationError):
        awards.propose_annual_stars(admin, street.id, 2026, datetime(2026, 12, 31, 15, 59, 59, tzinfo=timezone.utc))
    jan1 = datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc)
    assert [r.stars for r in awards.propose_annual_stars(admin, street.id, 2026, jan1)] == [4]
    # Confirming is guarded the same way.
    with pytest.raises(ValidationError) as e:
        awards.confirm_annual_stars(admin, street.id, 2026, nov29)
    assert e.value.message == refusal
    assert awards.confirm_annual_stars(admin, street.id, 2026, jan1) == 1


def test_awards_page_refuses_confirm_during_the_year(app, client, street, login_as):
    from creditstreet.models import AnnualStar
    from tests.conftest import csrf_token

    shop = factories.make_shop(street, name="王记茶庄", house_number="7")
    db.session.add(AnnualStar(shop_id=shop.id, year=2999, status="proposed", stars=4, reasons=[]))
    db.session.commit()
    login_as("admin")
    token = csrf_token(client, "/admin/awards?year=2999")
    r = client.post("/admin/awards/2999/confirm", data={"csrf_token": token}, follow_redirects=True)
    assert "2999年第四季度尚未结束（或尚未正式评定），不能确认年度星级" in r.get_data(as_text=True)
    assert db.session.scalars(select(AnnualStar)).one().status == "proposed"


def test_plaque_qr_follows_the_request_host_when_public_base_url_unset(app, street, year_end):
    """QA: plaques encoded http://127.0.0.1:5000; unset PUBLIC_BASE_URL now means the request's host."""
    from creditstreet.web.admin.awards import plaque_pages

    admin, ent = year_end[0], year_end[1]
    app.config["PUBLIC_BASE_URL"] = None
    awards.propose_annual_stars(admin, street.id, 2025, NOW)
    awards.confirm_annual_stars(admin, street.id, 2025, NOW)
    with app.test_request_context("/admin/awards/2025/plaques.pdf", base_url="http://localhost:5102"):
        assert plaque_pages(street.id, 2025)[0]["url"] == f"http://localhost:5102/shops/{ent.id}"
    app.config["PUBLIC_BASE_URL"] = "https://xfmyj.example.gov.cn/"
    with app.test_request_context("/admin/awards/2025/plaques.pdf", base_url="http://localhost:5102"):
        assert plaque_pages(street.id, 2025)[0]["url"] == f"https://xfmyj.example.gov.cn/shops/{ent.id}"


def test_public_url_honours_proxy_headers_and_prod_warns_when_unset(caplog):
    from creditstreet import create_app
    from creditstreet.web.urls import public_url

    from config import Config

    assert Config.PUBLIC_BASE_URL is None or Config.PUBLIC_BASE_URL != "http://127.0.0.1:5000"
    app = create_app("test", PROXY_COUNT=1, PUBLIC_BASE_URL=None)
    seen = {}

    @app.route("/probe")
    def probe():
        seen["url"] = public_url("public.shop", shop_id=5)
        return "ok"

    # Behind one reverse proxy: ProxyFix takes scheme and host from X-Forwarded-*.
    app.test_client().get("/probe", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "xfmyj.example.gov.cn",
                                             "X-Forwarded-For": "10.0.0.9"})
    assert seen["url"] == "https://xfmyj.example.gov.cn/shops/5"
    with caplog.at_level("WARNING"):
        create_app("prod", SECRET_KEY="x" * 40, PUBLIC_BASE_URL=None)
    assert "PUBLIC_BASE_URL 未设置" in caplog.text


def test_plaque_names_its_issuer_date_seal_area_and_captions_the_qr(app, street, year_end):
    """Issue 17: issuing authority, the date the title was confirmed (2026-01-15 UTC 00:00 =
    2026-01-15 08:00 in Shanghai), a seal area and a legible caption with the URL under the QR."""
    from creditstreet.web.admin.awards import plaque_pages

    admin, ent = year_end[0], year_end[1]
    app.config.update(PUBLIC_BASE_URL="https://jd.example.gov.cn", ISSUING_AUTHORITY="应城市市场监督管理局")
    awards.propose_annual_stars(admin, street.id, 2025, NOW)
    awards.confirm_annual_stars(admin, street.id, 2025, NOW)
    with app.test_request_context():
        pages = plaque_pages(street.id, 2025)
        html = render_template("pdf/plaque.html", pages=pages, year=2025, street=street)
    assert pages[0]["authority"] == "应城市市场监督管理局" and pages[0]["issued_on"] == "2026年1月15日"
    assert html.count('class="seal"') == 2 and "（盖章处）" in html
    assert f'<div class="url">https://jd.example.gov.cn/shops/{ent.id}</div>' in html
    assert '<div class="caption">扫码查看实时公示</div>' in html
    assert "PUBLIC_BASE_URL" not in html  # set: no development note


def test_print_pages_say_where_the_qr_points_while_public_base_url_is_unset(app, street, year_end):
    from creditstreet.web.admin.awards import plaque_pages

    admin = year_end[0]
    app.config["PUBLIC_BASE_URL"] = None
    awards.propose_annual_stars(admin, street.id, 2025, NOW)
    awards.confirm_annual_stars(admin, street.id, 2025, NOW)
    with app.test_request_context("/admin/awards/2025/plaques.pdf", base_url="http://127.0.0.1:5000"):
        html = render_template("pdf/plaque.html", pages=plaque_pages(street.id, 2025), year=2025, street=street)
    assert "未设置 PUBLIC_BASE_URL，本页二维码指向 http://127.0.0.1:5000/…" in html
    assert "@top-center" in html
    doc = awards.render_pdf(html)
    assert len(doc.pages) == 2


def test_admin_print_page_shows_the_note_only_while_unset(app, client, login_as):
    login_as("admin")
    app.config["PUBLIC_BASE_URL"] = None
    page = client.get("/admin/awards?year=2025").get_data(as_text=True)
    assert "未设置 PUBLIC_BASE_URL，本页二维码指向 http://localhost/…" in page
    app.config["PUBLIC_BASE_URL"] = "https://jd.example.gov.cn"
    assert "PUBLIC_BASE_URL" not in client.get("/admin/awards?year=2025").get_data(as_text=True)
