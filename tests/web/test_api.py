"""JSON API: intake and tracking with the form's validation, idempotency, masking; OpenAPI document."""
import pytest
from sqlalchemy import func, select

from creditstreet import create_app
from creditstreet.models import Complaint
from tests import factories


@pytest.fixture
def shop(street, db):
    s = factories.make_shop(street, "张记面馆")
    db.session.commit()
    return s


def _body(shop, **kw):
    d = {"kind": "complaint", "shop_id": shop.id, "description": "老板让我打13912345678找他", "consumer_name": "王小明",
         "consumer_phone": "+86 138 0013 8000", "amount": "28.00"}
    d.update(kw)
    return d


def test_create_is_idempotent_and_masked(client, db, shop):
    first = client.post("/api/complaints", json=_body(shop), headers={"Idempotency-Key": "k-1"})
    again = client.post("/api/complaints", json=_body(shop), headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and again.status_code == 200
    a, b = first.get_json(), again.get_json()
    assert a["tracking_code"] == b["tracking_code"] and b["replayed"] is True
    assert db.session.scalar(select(func.count(Complaint.id))) == 1
    text = first.get_data(as_text=True)
    assert a["consumer_phone"] == "138****8000" and a["consumer_name"] == "王**"
    assert "139****5678" in a["description"] and "13912345678" not in text and "13800138000" not in text
    assert "王小明" not in text and "\\u738b\\u5c0f\\u660e" not in text


def test_track_same_not_found_for_wrong_pair_and_unknown(client, db, shop):
    code = client.post("/api/complaints", json=_body(shop)).get_json()["tracking_code"]
    ok = client.post("/api/track", json={"code": code, "phone": "+86 138 0013 8000"})
    assert ok.status_code == 200 and ok.get_json()["status"] == "received"
    assert ok.headers["Cache-Control"] == "no-store"
    wrong = client.post("/api/track", json={"code": code, "phone": "13800138001"})
    unknown = client.post("/api/track", json={"code": "TSAAAAAAAAAA", "phone": "13800138000"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_json() == unknown.get_json() == {"error": {"code": "not_found",
                                                                 "message": unknown.get_json()["error"]["message"]}}
    assert "未找到" in unknown.get_json()["error"]["message"]
    # SPEC K6: the last 4 digits (shown in the masked phone) are not enough, and nothing goes in a URL
    assert client.post("/api/track", json={"code": code, "phone": "8000"}).status_code == 404
    assert client.get("/api/track", query_string={"code": code, "last4": "13800138000"}).status_code == 405
    assert client.post("/api/track", data="x", content_type="application/json").status_code == 400


@pytest.mark.parametrize("change, code", [
    ({"consumer_phone": "1380013800O"}, "phone_invalid"),
    ({"consumer_phone": "13800138000\n"}, None),
    ({"title": "一" * 19 + "😡😡"}, "too_long"),
    ({"amount": "-3"}, "bad_amount"),
    ({"shop_id": None}, "shop_required"),
    ({"description": ""}, "required"),
    ({"kind": "spam"}, "bad_kind"),
    ({"description": ["x"]}, "bad_field"),
])
def test_validation_errors_are_json_with_stable_codes(client, db, shop, change, code):
    resp = client.post("/api/complaints", json=_body(shop, **change))
    if code is None:
        assert resp.status_code == 201
        return
    err = resp.get_json()["error"]
    assert resp.status_code == 400 and err["code"] == code and not err["message"].isascii()


def test_bad_json(client, db, shop):
    resp = client.post("/api/complaints", data="not json", content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_json"


def test_api_is_csrf_exempt_but_forms_are_not(client, db, shop):
    assert client.post("/api/complaints", json=_body(shop)).status_code == 201
    assert client.post("/complaints/new", data={"description": "x"}).status_code == 200  # re-shown, not filed
    assert db.session.scalar(select(func.count(Complaint.id))) == 1


def test_api_rate_limited_in_chinese_json(db, street, shop):
    db.session.commit()
    app2 = create_app("test", RATELIMIT_ENABLED=True, TRACK_FAIL_RATE_LIMIT="3 per minute")
    c = app2.test_client()
    codes = [c.post("/api/track", json={"code": "TSAAAAAAAAAA", "phone": "13800000000"}).status_code
             for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    err = c.post("/api/track", json={"code": "x", "phone": "1"}).get_json()["error"]
    assert err["code"] == "http_429" and "频繁" in err["message"]


def test_openapi_document_is_valid(client):
    resp = client.get("/api/openapi.json")
    doc = resp.get_json()
    assert resp.status_code == 200 and doc["openapi"].startswith("3.1")
    assert {"/complaints", "/track"} <= set(doc["paths"])
    assert doc["components"]["schemas"]["Error"]["properties"]["error"]["required"] == ["code", "message"]
    from openapi_spec_validator import validate

    validate(doc)  # raises on an invalid OpenAPI 3.1 document


def test_a_reused_key_with_another_body_never_returns_someone_elses_complaint(client, db, shop):
    # QA round 2: the key alone made the second caller receive the first person's complaint.
    first = client.post("/api/complaints", json=_body(shop), headers={"Idempotency-Key": "k-shared"})
    other = client.post("/api/complaints", json=_body(shop, kind="inquiry", description="另一位的咨询",
                                                      consumer_phone="13912345678"),
                        headers={"Idempotency-Key": "k-shared"})
    assert first.status_code == 201 and other.status_code == 201
    assert other.get_json()["tracking_code"] != first.get_json()["tracking_code"]
    assert "8000" not in other.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Complaint.id))) == 2


def test_an_intake_holds_the_write_transaction_for_its_writes_only(client, db, shop):
    """Issue 18: the street, token and shop are read in a first transaction; the second (SQLite:
    BEGIN IMMEDIATE, the write lock) reads only what must be read again under the lock (K7's
    duplicates, settings, calendar) and writes three rows (and two counts); nothing runs after its commit."""
    from sqlalchemy import event

    body = _body(shop)
    db.session.commit()  # the test's own session ends its transaction before we listen
    log = []
    on_sql = lambda conn, cur, statement, *a: log.append(" ".join(statement.split()[:40]))  # noqa: E731
    on_begin = lambda conn: log.append("<begin>")  # noqa: E731
    on_commit = lambda conn: log.append("<commit>")  # noqa: E731
    listeners = [("before_cursor_execute", on_sql), ("begin", on_begin), ("commit", on_commit)]
    for name, fn in listeners:
        event.listen(db.engine, name, fn)
    try:
        resp = client.post("/api/complaints", json=body, headers={"Idempotency-Key": "k-sql"})
    finally:
        for name, fn in listeners:
            event.remove(db.engine, name, fn)
    assert resp.status_code == 201
    log = [s for s in log if not s.startswith("BEGIN")]  # SQLite's BEGIN [IMMEDIATE], issued on <begin>
    assert log.count("<begin>") == 2 and log[-1] == "<commit>", log
    second = log[log.index("<begin>", 1) + 1:-1]
    assert not any("FROM streets" in s or "FROM shops" in s for s in second), second
    # three rows, and the day and month counts of the statistics (two single-row upserts, Y3)
    assert [s.split()[0] for s in second].count("INSERT") == 5 and len(second) <= 9, second
    assert db.session.scalar(select(func.count(Complaint.id))) == 1


def test_a_new_complaint_s_answer_is_the_one_a_retry_and_tracking_give(client, db, shop):
    """Issue 18: a new complaint's answer is built from the row written (no read after the commit), a
    retry's from one statement, tracking's from the ORM object: the same JSON."""
    first = client.post("/api/complaints", json=_body(shop), headers={"Idempotency-Key": "k-same"})
    again = client.post("/api/complaints", json=_body(shop), headers={"Idempotency-Key": "k-same"})
    assert (first.status_code, again.status_code) == (201, 200)
    a, b = first.get_json(), again.get_json()
    assert (a.pop("replayed"), b.pop("replayed")) == (False, True)
    assert a == b
    tracked = client.post("/api/track", json={"code": a["tracking_code"], "phone": "13800138000"}).get_json()
    assert {k: v for k, v in a.items() if k != "track_url"} == tracked
    assert a["shop_name"] == "张记面馆" and a["pauses"] == [] and a["paused"] is False


def test_a_retry_after_the_clock_was_paused_shows_the_pause(client, db, street, shop):
    from creditstreet.services import complaints as svc

    code = client.post("/api/complaints", json=_body(shop), headers={"Idempotency-Key": "k-p"}).get_json()["tracking_code"]
    inspector = factories.make_user(role="inspector", street=street)
    c = db.session.scalar(select(Complaint).where(Complaint.tracking_code == code))
    svc.pause_clock(inspector, c, "inspection")
    db.session.commit()
    again = client.post("/api/complaints", json=_body(shop), headers={"Idempotency-Key": "k-p"})
    body = again.get_json()
    assert again.status_code == 200 and body["paused"] is True
    assert [p["reason"] for p in body["pauses"]] == ["inspection"] and body["pauses"][0]["resumed_on"] is None


def test_a_complaint_against_a_shop_in_early_settlement_answers_without_the_office_s_deadline(client, db, street, shop):
    """M2: the office's clock waits for the settlement, in the answer built from the row as in tracking."""
    from creditstreet.services.merchant import settlement

    settlement.join(factories.make_user("merchant", username="owner", street=street, shop_id=shop.id))
    db.session.commit()
    resp = client.post("/api/complaints", json=_body(shop), headers={"Idempotency-Key": "k-m2"})
    a = resp.get_json()
    assert resp.status_code == 201 and a["decide_by"] is None
    tracked = client.post("/api/track", json={"code": a["tracking_code"], "phone": "13800138000"}).get_json()
    assert {k: v for k, v in a.items() if k not in ("track_url", "replayed")} == tracked
