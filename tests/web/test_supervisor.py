"""Supervisor screens (SPEC S1; CASES K-07 parallel ballots, K-08 disabled supervisor)."""
import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from creditstreet.extensions import db
from creditstreet.models import AuditEntry, Ballot
from creditstreet.services import accounts
from creditstreet.web.supervisor import ballots as views

from .. import factories
from ..conftest import csrf_token, login

CST = timezone(timedelta(hours=8))
YES = dict(lawful="1", service="1", compliance="1", honesty="1")
NO = dict(lawful="0", service="0", compliance="0", honesty="0")


@pytest.fixture
def in_window(monkeypatch):
    # 2024-06-20 is inside 2024Q2's window [2024-06-16, 2024-07-11).
    monkeypatch.setattr(views, "now", lambda: datetime(2024, 6, 20, 10, 0, tzinfo=CST))


def _vote(client, shop_id, marks):
    token = csrf_token(client, f"/supervisor/vote/{shop_id}")
    return client.post(f"/supervisor/vote/{shop_id}", data=dict(marks, csrf_token=token))


def test_home_shows_open_quarter_and_counts(client, login_as, street, in_window):
    sup = login_as("supervisor")
    shops = [factories.make_shop(street) for _ in range(3)]
    db.session.commit()
    html = client.get("/supervisor/").get_data(as_text=True)
    assert "2024年第2季度" in html and "2024-06-16 至 2024-07-10" in html
    assert "已投 0 户，待投 3 户" in html
    resp = _vote(client, shops[0].id, YES)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/supervisor/vote/{shops[1].id}")
    assert "已投 1 户，待投 2 户" in client.get("/supervisor/").get_data(as_text=True)
    assert sup.id


def test_vote_page_has_big_labelled_radio_pairs(client, login_as, street, in_window):
    login_as("supervisor")
    shop = factories.make_shop(street)
    db.session.commit()
    html = client.get(f"/supervisor/vote/{shop.id}").get_data(as_text=True)
    for label in ("依法经营好", "售后服务质量好", "服从管理好", "诚实信用好"):
        assert f"<legend>{label}</legend>" in html
    assert html.count('class="choice-row"') == 4 and html.count('type="radio"') == 8
    assert "保存并下一户" in html


def test_missing_choice_rerenders_with_chosen_marks_kept(client, login_as, street, in_window):
    login_as("supervisor")
    shop = factories.make_shop(street)
    db.session.commit()
    resp = _vote(client, shop.id, dict(lawful="1", service="0"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "请选择是或否" in html
    assert re.search(r'<input checked id="lawful-0" name="lawful" required type="radio" value="1">', html)
    assert re.search(r'<input checked id="service-1" name="service" required type="radio" value="0">', html)
    assert html.count("<input checked") == 2  # compliance and honesty left unchosen
    assert db.session.scalar(select(func.count(Ballot.id))) == 0


def test_outside_window_refused_with_dates(client, login_as, street, monkeypatch):
    monkeypatch.setattr(views, "now", lambda: datetime(2026, 11, 1, tzinfo=CST))
    login_as("supervisor")
    shop = factories.make_shop(street)
    db.session.commit()
    html = client.get(f"/supervisor/vote/{shop.id}").get_data(as_text=True)
    assert "本季度投票时间为 2026-12-17 至 2027-01-10" in html
    token = csrf_token(client, "/supervisor/")  # the vote page has no form when closed
    resp = client.post(f"/supervisor/vote/{shop.id}", data=dict(YES, csrf_token=token))
    assert resp.status_code == 400 and "2026-12-17 至 2027-01-10" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Ballot.id))) == 0


def test_supervisor_sees_only_own_ballots(app, client, login_as, street, in_window):
    other = factories.make_user("supervisor", street=street)
    shop = factories.make_shop(street, name="张记面馆")
    shop2 = factories.make_shop(street, name="李家鞋店")
    db.session.add(Ballot(supervisor_id=other.id, shop_id=shop2.id, quarter="2024Q2",
                          lawful=True, service=True, compliance=True, honesty=True))
    db.session.commit()
    login_as("supervisor")
    _vote(client, shop.id, NO)
    html = client.get("/supervisor/ballots").get_data(as_text=True)
    assert "张记面馆" in html and "李家鞋店" not in html


def test_own_ballots_are_paged_newest_quarter_first(app, client, login_as, street):
    # 52 ballots: shops 店00–店01 in 2024Q1, 店02–店51 in 2024Q2 (cast in that order). Page 1: the 50
    # of 2024Q2, the last cast first (店51 … 店02); page 2: 2024Q1's two, 店01 then 店00.
    sup = login_as("supervisor")
    for n in range(52):
        shop = factories.make_shop(street, name=f"投票店{n:02d}")
        db.session.add(Ballot(supervisor_id=sup.id, shop_id=shop.id, quarter="2024Q1" if n < 2 else "2024Q2",
                              lawful=True, service=True, compliance=True, honesty=n % 2 == 0))
        db.session.flush()
    db.session.commit()
    first = client.get("/supervisor/ballots").get_data(as_text=True)
    assert "共 52 张选票" in first and "第 1 / 2 页" in first
    assert first.index("投票店51") < first.index("投票店02") and "投票店01" not in first
    second = client.get("/supervisor/ballots?page=2").get_data(as_text=True)
    assert second.index("投票店01") < second.index("投票店00") and "投票店02" not in second


def test_k07_parallel_ballots_end_as_one_row(app, street, in_window):
    sup = factories.make_user("supervisor", username="li7", display_name="李监督", street=street)
    shop = factories.make_shop(street)
    db.session.commit()
    sup_id, shop_id = sup.id, shop.id
    clients = [app.test_client(), app.test_client()]
    db.session.commit()  # the test's own session holds no lock while the threads write
    barrier = threading.Barrier(2)
    statuses = [None, None]

    def send(i, marks):
        # Each thread has its own app context (requests in the test's thread share one, and its g).
        assert login(clients[i], "li7", factories.PASSWORD).status_code == 302
        token = csrf_token(clients[i], f"/supervisor/vote/{shop_id}")
        barrier.wait()
        resp = clients[i].post(f"/supervisor/vote/{shop_id}", data=dict(marks, csrf_token=token))
        statuses[i] = resp.status_code

    threads = [threading.Thread(target=send, args=(0, YES)), threading.Thread(target=send, args=(1, NO))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses == [302, 302]
    db.session.remove()
    rows = db.session.scalars(select(Ballot).where(Ballot.supervisor_id == sup_id)).all()
    assert len(rows) == 1
    first = rows[0].lawful
    assert {rows[0].lawful, rows[0].service, rows[0].compliance, rows[0].honesty} == {first}
    log = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "ballot").order_by(AuditEntry.id)).all()
    assert [e.action for e in log] == ["ballot.cast", "ballot.recast"]
    assert log[1].before["lawful"] is (not first) and log[1].after["lawful"] is first  # last commit wins
    # A third POST replaces it; the audit log now holds three versions.
    third = YES if not first else NO
    assert _vote(clients[0], shop_id, third).status_code == 302
    db.session.remove()
    rows = db.session.scalars(select(Ballot)).all()
    assert len(rows) == 1 and rows[0].lawful is (third is YES)
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity == "ballot")) == 3


def test_k08_disabled_supervisor_with_remembered_login_cannot_vote(app, street, in_window):
    client = app.test_client()
    sup = factories.make_user("supervisor", username="li8", street=street)
    shop = factories.make_shop(street)
    db.session.commit()
    assert login(client, "li8", factories.PASSWORD, remember=True).status_code == 302
    token = csrf_token(client, f"/supervisor/vote/{shop.id}")
    accounts.set_disabled(None, sup, True)
    db.session.commit()
    resp = client.post(f"/supervisor/vote/{shop.id}", data=dict(YES, csrf_token=token))
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    assert "账号已停用" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count(Ballot.id))) == 0


@pytest.mark.parametrize("role, expected", [("inspector", 403), ("supervisor", 200), ("admin", 200)])
def test_supervisor_pages_by_role(client, login_as, role, expected, in_window):
    login_as(role)
    for path in ("/supervisor/", "/supervisor/ballots"):
        assert client.get(path).status_code == expected


def test_anonymous_is_sent_to_login(client, street):
    for path in ("/supervisor/", "/supervisor/ballots", "/supervisor/vote/1"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_refusals_show_once_and_never_the_form(client, login_as, street, monkeypatch):
    """QA: a refused POST for a conflicted shop re-showed the voting form; the window refusal showed
    twice; a POST outside the window with fields missing said 请为每一项选择是或否."""
    from creditstreet.models import SupervisorConflict

    sup = login_as("supervisor")
    shop, other = factories.make_shop(street, name="张记面馆"), factories.make_shop(street, name="李家鞋店")
    db.session.flush()
    db.session.add(SupervisorConflict(supervisor_id=sup.id, shop_id=shop.id, reason="亲属"))
    db.session.commit()
    monkeypatch.setattr(views, "now", lambda: datetime(2024, 6, 20, 10, 0, tzinfo=CST))  # window open
    token = csrf_token(client, f"/supervisor/vote/{other.id}")
    resp = client.post(f"/supervisor/vote/{shop.id}", data=dict(YES, csrf_token=token))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'type="radio"' not in html and "保存并下一户" not in html
    assert html.count("存在利害关系") == 1
    # Outside the window (2026-11-01: 2026Q4's window opens 2026-12-17), with only one mark given.
    monkeypatch.setattr(views, "now", lambda: datetime(2026, 11, 1, tzinfo=CST))
    resp = client.post(f"/supervisor/vote/{other.id}", data={"lawful": "1", "csrf_token": token})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and html.count("2026-12-17 至 2027-01-10") == 1
    assert "请为每一项选择" not in html and 'type="radio"' not in html
    assert db.session.scalar(select(func.count(Ballot.id))) == 0
