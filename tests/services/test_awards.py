"""Annual stars, award list, plaques and revocation (SPEC S4)."""
from datetime import datetime, timezone

import pytest
from flask import render_template
from sqlalchemy import select

from creditstreet.domain.errors import ValidationError
from creditstreet.extensions import db
from creditstreet.models import AuditEntry, CreditGrade
from creditstreet.services import awards

from .. import factories

NOW = datetime(2026, 1, 15, tzinfo=timezone.utc)


def grade(shop, stars, criteria, quarter="2025Q4"):
    db.session.add(CreditGrade(shop_id=shop.id, quarter=quarter, as_of=NOW, grade="A" if stars == 4 else "B",
                               stars=stars, criteria=criteria))


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
        awards.propose_annual_stars(None, street.id, 2024)
    assert "第4季度尚未评定" in e.value.message


def test_propose_confirm_award_list_and_revoke(app, street, year_end):
    admin, ent, ind, three, unrated = year_end
    rows = awards.propose_annual_stars(admin, street.id, 2025)
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
    awards.propose_annual_stars(admin, street.id, 2025)
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
    awards.propose_annual_stars(admin, street.id, 2025)
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
