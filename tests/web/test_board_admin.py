"""Admin screens of issue 6: ballots, conflicts, exams, awards, warnings (HTTP level, real CSRF)."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from creditstreet.domain.time import Quarter, quarter_of
from creditstreet.extensions import db
from creditstreet.models import (
    AnnualStar, Complaint, ConsumerWarning, CreditGrade, ExamResult, SupervisorConflict, utcnow,
)

from .. import factories
from ..conftest import csrf_token

ADMIN_PAGES = ["/admin/ballots", "/admin/supervisors/conflicts", "/admin/exams", "/admin/awards?year=2025",
               "/admin/warnings"]


@pytest.mark.parametrize("role, expected", [("inspector", 403), ("supervisor", 403), ("admin", 200)])
def test_admin_pages_by_role(client, login_as, role, expected):
    login_as(role)
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == expected, path


def test_anonymous_sent_to_login(client, street):
    for path in ADMIN_PAGES:
        assert "/auth/login" in client.get(path).headers["Location"]


def test_admin_declares_and_removes_a_conflict(client, login_as, street):
    login_as("admin")
    sup = factories.make_user("supervisor", street=street, display_name="李监督")
    shop = factories.make_shop(street, name="张记面馆")
    db.session.commit()
    token = csrf_token(client, "/admin/supervisors/conflicts")
    resp = client.post("/admin/supervisors/conflicts",
                       data={"csrf_token": token, "supervisor_id": sup.id, "shop": "張記麵館", "reason": "亲属"})
    assert resp.status_code == 302
    row = db.session.scalars(select(SupervisorConflict)).one()
    assert (row.supervisor_id, row.shop_id) == (sup.id, shop.id)
    resp = client.post("/admin/supervisors/conflicts",
                       data={"csrf_token": token, "supervisor_id": sup.id, "shop": "不存在的店", "reason": "x"})
    assert resp.status_code == 400 and "没有找到" in resp.get_data(as_text=True)
    assert 'value="不存在的店"' in resp.get_data(as_text=True)
    client.post(f"/admin/supervisors/conflicts/{row.id}/remove", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.scalars(select(SupervisorConflict)).all() == []


def test_exam_form_validates_in_chinese_and_keeps_input(client, login_as, street):
    login_as("admin")
    shop = factories.make_shop(street, name="张记面馆")
    db.session.commit()
    token = csrf_token(client, "/admin/exams")
    data = {"csrf_token": token, "e-shop": "张记面馆", "e-taken_on": "2026-03-01", "e-score": "120", "e-pass_mark": "60"}
    resp = client.post("/admin/exams/exam", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "0–100 的整数" in html and 'value="120"' in html
    resp = client.post("/admin/exams/exam", data=dict(data, **{"e-score": "85"}))
    assert resp.status_code == 302
    exam = db.session.scalars(select(ExamResult)).one()
    assert (exam.shop_id, exam.score, exam.pass_mark) == (shop.id, 85, 60)


def test_warning_approved_by_admin_appears_on_board(client, login_as, street):
    login_as("admin")
    for i in range(3):
        db.session.add(Complaint(street_id=street.id, kind="complaint", goods_category="家电",
                                 tracking_code=f"H{i}", received_at=utcnow() - timedelta(days=i + 1)))
    db.session.commit()
    token = csrf_token(client, "/admin/warnings")
    assert client.post("/admin/warnings/scan", data={"csrf_token": token}).status_code == 302
    w = db.session.scalars(select(ConsumerWarning)).one()
    assert w.status == "draft" and w.figures["recent"] == 3
    assert "家电" not in client.get("/").get_data(as_text=True).split("消费警示")[0]
    expiry = (date.today() + timedelta(days=30)).isoformat()
    resp = client.post(f"/admin/warnings/{w.id}", data={"csrf_token": token, "title": "家电消费警示",
                                                        "body": "购买家电请索要发票", "expires_on": expiry})
    assert resp.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "家电消费警示" in html and "购买家电请索要发票" in html


def test_year_end_flow_over_http(client, login_as, street):
    login_as("admin")
    shop = factories.make_shop(street, name="国营百货", ownership="state")
    db.session.add(CreditGrade(shop_id=shop.id, quarter="2025Q4", as_of=Quarter(2025, 4).end_utc(), grade="A", stars=4,
                               criteria=["lawful", "service", "compliance", "honesty"]))
    db.session.commit()
    token = csrf_token(client, "/admin/awards?year=2025")
    client.post("/admin/awards/2025/propose", data={"csrf_token": token})
    client.post("/admin/awards/2025/confirm", data={"csrf_token": token})
    html = client.get("/admin/awards?year=2025").get_data(as_text=True)
    assert "企业（国有、集体、私营）1 户；个体工商户 0 户" in html
    resp = client.get("/admin/awards/2025/plaques.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf" and resp.data.startswith(b"%PDF")
    star = db.session.scalars(select(AnnualStar)).one()
    resp = client.post(f"/admin/awards/star/{star.id}/revoke", data={"csrf_token": token, "reason": "售假"})
    assert resp.status_code == 302
    assert "称号已撤销" in client.get(f"/shops/{shop.id}").get_data(as_text=True)


def test_participation_page_shows_quorum(client, login_as, street):
    login_as("admin")
    for _ in range(7):
        factories.make_user("supervisor", street=street)
    factories.make_shop(street, name="张记面馆")
    db.session.commit()
    now_q = quarter_of(datetime.now(timezone.utc), street.timezone)
    html = client.get(f"/admin/ballots?quarter={now_q}").get_data(as_text=True)
    # Open quarter: 7 supervisors in post now → quorum max(3, ⌈7/2⌉) = 4, labelled as today's count.
    assert "已投票监督员 0 / 当前在岗 7 人；每户有效票数至少 4 张" in html and "张记面馆" in html
    # 2024Q2 is over and not graded: these accounts were made after its end → 0 in post then →
    # quorum max(3, 0) = 3, labelled as the count at the quarter's end (what grading will use).
    html = client.get("/admin/ballots?quarter=2024Q2").get_data(as_text=True)
    assert "已投票监督员 0 / 季度末在岗 0 人；每户有效票数至少 3 张" in html


def test_revoke_page_names_the_shop_warns_and_the_public_reason_is_masked(client, login_as, street):
    """QA: the revoke page only said 撤销2026年度称号; the public reason showed contact data in full."""
    login_as("admin")
    shop = factories.make_shop(street, name="国营百货", ownership="state", house_number="103号")
    db.session.add(CreditGrade(shop_id=shop.id, quarter="2026Q3", as_of=Quarter(2026, 3).end_utc(), grade="B",
                               stars=3, criteria=["lawful", "service", "honesty"]))
    star = AnnualStar(shop_id=shop.id, year=2025, status="confirmed", stars=4, reasons=[])
    db.session.add(star)
    db.session.commit()
    html = client.get(f"/admin/awards/star/{star.id}/revoke").get_data(as_text=True)
    assert "撤销国营百货的2025年度称号" in html and "103号" in html
    assert "★★★★" in html and "★★★☆" in html  # 2025 annual 4 stars; latest quarter 2026Q3 3 stars
    assert "将在商户公示页上公开显示" in html and "身份证号" in html
    token = csrf_token(client, f"/admin/awards/star/{star.id}/revoke")
    reason = "经查售假，投诉人王小明 13812345678，身份证 330102199001011234"
    resp = client.post(f"/admin/awards/star/{star.id}/revoke", data={"csrf_token": token, "reason": reason})
    assert resp.status_code == 302
    public = client.get(f"/shops/{shop.id}").get_data(as_text=True)
    # K6 redactor: a mobile keeps 3 + 4 digits, an ID number is replaced whole
    assert "138****5678" in public and "[身份证号]" in public
    assert "13812345678" not in public and "330102199001011234" not in public


def test_exam_dated_in_the_future_is_refused_with_input_kept(client, login_as, street):
    login_as("admin")
    factories.make_shop(street, name="张记面馆")
    db.session.commit()
    token = csrf_token(client, "/admin/exams")
    future = (date.today() + timedelta(days=2)).isoformat()  # after today in any zone
    resp = client.post("/admin/exams/exam", data={"csrf_token": token, "e-shop": "张记面馆", "e-taken_on": future,
                                                  "e-score": "８０", "e-pass_mark": "60"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and f"考试日期（{future}）不能晚于今天" in html and 'value="８０"' in html
    assert db.session.scalars(select(ExamResult)).all() == []


def test_past_quarter_participation_uses_the_stored_quorum_and_who_voted(client, login_as, street):
    """QA: after disabling one of 10 supervisors, 2026Q3 showed 已投票监督员 10 / 在岗 9 人."""
    from creditstreet.models import Ballot, QuarterResult, User

    login_as("admin")
    sups = [factories.make_user("supervisor", street=street) for _ in range(10)]
    shop = factories.make_shop(street, name="张记面馆")
    db.session.flush()
    for sup in sups:
        db.session.add(Ballot(supervisor_id=sup.id, shop_id=shop.id, quarter="2026Q3", lawful=True, service=True,
                              compliance=True, honesty=True))
    # Graded with 10 in post: quorum max(3, ⌈10/2⌉) = 5, stored on the quarter's result.
    db.session.add(QuarterResult(shop_id=shop.id, quarter="2026Q3", ballots=10, quorum=5, quorum_reached=True,
                                 passed=["lawful", "service", "compliance", "honesty"]))
    # Two leave afterwards: 8 in post today → today's quorum would be max(3, ⌈8/2⌉) = 4, not 5.
    db.session.get(User, sups[0].id).disabled = True
    db.session.get(User, sups[1].id).disabled = True
    db.session.commit()
    html = client.get("/admin/ballots?quarter=2026Q3").get_data(as_text=True)
    assert "本季度投过票的监督员 10 人；评定时的法定票数：每户至少 5 张" in html
    assert "在岗 8" not in html and "当前在岗" not in html


def test_audit_log_shows_chinese_labels_with_the_raw_code_beside(client, login_as, street):
    """QA: the audit log showed agreement, annual_star, card_batch.register, ballot.recast and English fields."""
    from creditstreet.services import audit

    admin = login_as("admin")
    on = {"street_id": street.id}  # objects that do not exist: the street admin's street named outright
    audit.record(admin, "card_batch.register", "card_batch", 7, None, {"first_serial": 1, "last_serial": 40000}, **on)
    audit.record(admin, "ballot.recast", "ballot", 9, {"lawful": True}, {"lawful": False}, **on)
    audit.record(admin, "annual_star.revoke", "annual_star", 3, {"status": "confirmed"},
                 {"status": "revoked", "revoke_reason": "售假"}, **on)
    audit.record(admin, "something.new", "mystery_thing", 1, None, {"odd_field": 1}, **on)
    db.session.commit()
    html = client.get("/admin/audit").get_data(as_text=True)
    assert '信誉卡印制批次·登记 <small class="muted">card_batch.register</small>' in html
    assert '改投（替换原投票） <small class="muted">ballot.recast</small>' in html
    assert '年度星级 #3 <small class="muted">annual_star</small>' in html
    # values are labelled too: booleans read 是/否, states their Chinese names
    assert "起始编号：1" in html and "依法经营好：否" in html and "撤销原因：售假" in html and "状态：已撤销" in html
    assert ">年度星级（annual_star）</option>" in html
    # Unknown codes are shown as they are.
    assert "<td>something.new</td>" in html and "odd_field：1" in html
