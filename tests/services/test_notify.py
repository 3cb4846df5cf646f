"""Notifications through the outbox (issue 17): what is queued, delivery with retries and
backoff, Tencent Cloud SMS against a local stand-in server, overdue digests, the admin page."""
import hashlib
import hmac
import json
import threading
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from creditstreet.domain.complaints import Outcome
from creditstreet.extensions import db
from creditstreet.models import OutboxMessage
from creditstreet.services import complaints as svc
from creditstreet.services import notify
from creditstreet.services.notify.senders import ConsoleSender, SendResult, TencentSmsSender, sender_from_config

from .. import factories

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Mon 2026-03-02 10:00 in Shanghai


@pytest.fixture
def shop(street):
    return factories.make_shop(street, "张记面馆")


def _file(street, shop, phone="13800138000", **kw):
    data = {"shop_id": shop.id, "description": "面里有头发，老板电话13912345678", "consumer_phone": phone,
            "consumer_name": "王小明", **kw}
    return svc.file_complaint(None, street, data, None, now=T0)[0]


def _messages():
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_consumer_gets_accepted_paused_closed_with_the_code_and_nothing_personal(street, shop):
    inspector = factories.make_user("inspector", street=street)
    c = _file(street, shop)
    assert _messages() == []  # filing itself sends nothing (the page shows the code)
    svc.accept_complaint(inspector, c, now=T0 + timedelta(hours=1))
    svc.pause_clock(inspector, c, "inspection", now=T0 + timedelta(days=1))
    svc.close_complaint(inspector, c, Outcome("withdrawn"), now=T0 + timedelta(days=2))
    msgs = _messages()
    assert [m.template for m in msgs] == ["complaint_accepted", "complaint_paused", "complaint_closed"]
    assert all(m.phone == "13800138000" and m.status == "pending" and m.complaint_id == c.id for m in msgs)
    assert msgs[0].body == f"您的投诉（查询码{c.tracking_code}）已受理，工作人员将在期限内调解。凭查询码可查询进度。"
    assert msgs[1].params == [c.tracking_code, "待检验检测"]
    assert msgs[2].params == [c.tracking_code, "15"]  # the default 15-day confirm window (K3)
    for m in msgs:
        assert "王" not in m.body and "13912345678" not in m.body and "13800138000" not in m.body
        assert "面里" not in m.body


def test_refused_is_told_and_landlines_get_no_sms(street, shop):
    inspector = factories.make_user("inspector", street=street)
    c = _file(street, shop)
    svc.refuse_complaint(inspector, c, "outside_remit", now=T0)
    land = _file(street, shop, phone="0719-8117836", title="另一件")
    svc.accept_complaint(inspector, land, now=T0)
    assert [(m.template, m.complaint_id) for m in _messages()] == [("complaint_refused", c.id)]


class Flaky:
    """A sender that fails (temporarily) ``n`` times, then succeeds."""

    def __init__(self, n, permanent=False):
        self.n, self.permanent, self.calls = n, permanent, 0

    def send(self, phone, template, params, body):
        self.calls += 1
        if self.calls <= self.n:
            return SendResult(False, error="网络错误：timed out", permanent=self.permanent)
        return SendResult(True, provider_id="sn-1")


def test_delivery_retries_with_backoff_then_succeeds(street, shop):
    notify.enqueue("13800138000", "complaint_accepted", ["TSABC"], now=T0)
    sender, now = Flaky(3), T0
    waits = []
    for _ in range(4):
        counts = notify.deliver_due(now, sender)
        m = _messages()[0]
        if m.status == "pending":
            waits.append(m.next_attempt_at - now)
            assert notify.deliver_due(m.next_attempt_at - timedelta(seconds=1), sender) == \
                {"delivered": 0, "retry": 0, "failed": 0}  # not yet due
            now = m.next_attempt_at
    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    m = _messages()[0]
    assert (m.status, m.attempts, m.provider_id, m.sent_at) == ("delivered", 4, "sn-1", now)
    assert counts == {"delivered": 1, "retry": 0, "failed": 0}


def test_failed_after_max_attempts_or_at_once_when_permanent(street):
    assert [notify.backoff(n) for n in (1, 2, 3, 6, 7, 9)] == [timedelta(minutes=m) for m in (1, 2, 4, 32, 60, 60)]
    notify.enqueue("13800138000", "complaint_accepted", ["TS1"], now=T0)
    sender, now = Flaky(99), T0
    for _ in range(notify.MAX_ATTEMPTS):
        notify.deliver_due(now, sender)
        now += timedelta(hours=1)
    m = _messages()[0]
    assert (m.status, m.attempts, m.last_error) == ("failed", 6, "网络错误：timed out")
    notify.enqueue("13900000000", "complaint_accepted", ["TS2"], now=T0)
    notify.deliver_due(now, Flaky(1, permanent=True))
    assert _messages()[1].status == "failed" and _messages()[1].attempts == 1
    notify.retry_now(_messages()[1], now)
    notify.deliver_due(now, ConsoleSender())
    assert _messages()[1].status == "delivered"


def test_the_same_event_is_queued_once(street):
    assert notify.enqueue("13800138000", "complaint_accepted", ["TS1"], dedupe_key="k1") is not None
    assert notify.enqueue("13800138000", "complaint_accepted", ["TS1"], dedupe_key="k1") is None
    assert len(_messages()) == 1


# --- Tencent Cloud SMS against a local stand-in --------------------------------------------------------

SECRET_ID, SECRET_KEY = "AKIDtest0000", "test-secret-key"


def expected_signature(headers, body: bytes) -> str:
    """TC3-HMAC-SHA256 as Tencent documents it, written out independently of the sender."""
    ts = int(headers["X-TC-Timestamp"])
    day = datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d")
    canonical = ("POST\n/\n\n" f"content-type:{headers['Content-Type']}\nhost:{headers['Host']}\n"
                 f"x-tc-action:{headers['X-TC-Action'].lower()}\n\ncontent-type;host;x-tc-action\n"
                 + hashlib.sha256(body).hexdigest())
    string_to_sign = f"TC3-HMAC-SHA256\n{ts}\n{day}/sms/tc3_request\n" + hashlib.sha256(canonical.encode()).hexdigest()
    k = hmac.new(("TC3" + SECRET_KEY).encode(), day.encode(), hashlib.sha256).digest()
    k = hmac.new(k, b"sms", hashlib.sha256).digest()
    k = hmac.new(k, b"tc3_request", hashlib.sha256).digest()
    return hmac.new(k, string_to_sign.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def stand_in():
    """A local HTTP server that checks the signature like Tencent Cloud and answers as it does."""
    seen, mode = [], {"answer": "ok"}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            auth = self.headers["Authorization"]
            sig_ok = auth.endswith("Signature=" + expected_signature(self.headers, body)) and \
                auth.startswith(f"TC3-HMAC-SHA256 Credential={SECRET_ID}/")
            payload = json.loads(body)
            seen.append(({k.lower(): v for k, v in self.headers.items()}, payload, sig_ok))
            if mode["answer"] == "http500":
                self.send_response(500)
                self.end_headers()
                return
            if not sig_ok:
                out = {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad"}}}
            elif mode["answer"] == "balance":
                out = {"Response": {"SendStatusSet": [{"Code": "FailedOperation.InsufficientBalanceInSmsPackage",
                                                       "Message": "no balance", "SerialNo": ""}], "RequestId": "r"}}
            else:
                out = {"Response": {"SendStatusSet": [{"SerialNo": "2640:123", "PhoneNumber": payload["PhoneNumberSet"][0],
                                                       "Code": "Ok", "Message": "send success"}], "RequestId": "r"}}
            data = json.dumps(out).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass  # the stand-in server stays quiet: the test reads the requests it recorded

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", seen, mode
    server.shutdown()
    thread.join(timeout=5)


def test_tencent_sender_signs_and_sends_through_the_outbox(app, street, stand_in):
    url, seen, mode = stand_in
    app.config.update(SMS_PROVIDER="tencent", TENCENT_SMS_SECRET_ID=SECRET_ID, TENCENT_SMS_SECRET_KEY=SECRET_KEY,
                      TENCENT_SMS_SDK_APP_ID="1400000001", TENCENT_SMS_SIGN_NAME="某县市场监管",
                      TENCENT_SMS_ENDPOINT=url, SMS_TEMPLATE_IDS="complaint_accepted=1001, complaint_closed=1003")
    notify.enqueue("13800138000", "complaint_accepted", ["TSABCDEF2345"], now=T0)
    assert notify.deliver_due(T0) == {"delivered": 1, "retry": 0, "failed": 0}
    headers, payload, sig_ok = seen[0]
    assert sig_ok
    assert headers["x-tc-action"] == "SendSms" and headers["x-tc-version"] == "2021-01-11"
    assert headers["x-tc-region"] == "ap-guangzhou"
    assert payload == {"PhoneNumberSet": ["+8613800138000"], "SmsSdkAppId": "1400000001", "SignName": "某县市场监管",
                       "TemplateId": "1001", "TemplateParamSet": ["TSABCDEF2345"]}
    assert _messages()[0].provider_id == "2640:123"
    # A server error is temporary (retried), no balance is permanent, an unknown template is refused here.
    mode["answer"] = "http500"
    notify.enqueue("13800138001", "complaint_accepted", ["TS2"], now=T0)
    assert notify.deliver_due(T0)["retry"] == 1
    mode["answer"] = "balance"
    notify.enqueue("13800138002", "complaint_accepted", ["TS3"], now=T0)
    notify.deliver_due(T0 + timedelta(minutes=1))
    m = _messages()[2]
    assert m.status == "failed" and m.last_error.startswith("FailedOperation.InsufficientBalanceInSmsPackage")
    notify.enqueue("13800138003", "complaint_refused", ["TS4"], now=T0)
    notify.deliver_due(T0 + timedelta(minutes=2))
    assert _messages()[3].status == "failed" and "未配置短信模板" in _messages()[3].last_error


def test_a_wrong_key_is_refused_by_the_stand_in(stand_in):
    url, seen, _mode = stand_in
    sender = TencentSmsSender(secret_id=SECRET_ID, secret_key="wrong", sdk_app_id="1", sign_name="x",
                              templates={"complaint_accepted": "1"}, endpoint=url)
    result = sender.send("13800138000", "complaint_accepted", ["TS"], "")
    assert not result.ok and result.permanent and result.error.startswith("AuthFailure")
    assert seen[0][2] is False


def test_unreachable_provider_is_temporary():
    sender = TencentSmsSender(secret_id="a", secret_key="b", sdk_app_id="1", sign_name="x",
                              templates={"t": "1"}, endpoint="http://127.0.0.1:9", timeout=2)
    result = sender.send("13800138000", "t", [], "")
    assert not result.ok and not result.permanent and result.error.startswith("网络错误")


def test_sender_configuration():
    assert isinstance(sender_from_config({}), ConsoleSender)
    with pytest.raises(ValueError, match="TENCENT_SMS_SECRET_KEY"):
        sender_from_config({"SMS_PROVIDER": "tencent", "TENCENT_SMS_SECRET_ID": "x"})
    with pytest.raises(ValueError):
        sender_from_config({"SMS_PROVIDER": "aliyun-typo"})


# --- overdue digests and the admin page -------------------------------------------------------------

def test_overdue_digest_to_inspectors_and_admins_once_a_day(street, shop):
    inspector = factories.make_user("inspector", street=street)
    inspector.phone = "13700000001"
    admin = factories.make_user("admin", street=street)
    admin.phone = "13700000002"
    factories.make_user("inspector", street=street)  # no phone: nothing
    c = _file(street, shop)  # received Mon 2026-03-02; 7 working days → decide by 2026-03-11
    svc.accept_complaint(inspector, _file(street, shop, title="第二件"), now=T0)  # inspector's, due 2026-05-08
    morning = datetime(2026, 3, 12, 0, 0, tzinfo=timezone.utc)  # 08:00 on 2026-03-12: c is overdue
    assert c.decide_by == date(2026, 3, 11)
    assert notify.queue_overdue_digests(morning) == 2
    assert notify.queue_overdue_digests(morning + timedelta(hours=1)) == 0  # once a day
    bodies = {m.phone: m.body for m in _messages() if m.template == "overdue_digest"}
    assert bodies == {"13700000001": "3月12日：您有1件投诉举报已逾期、0件本周到期，请登录系统处理。",
                      "13700000002": "3月12日：您有1件投诉举报已逾期、0件本周到期，请登录系统处理。"}


def test_admin_sees_states_and_resends_a_failed_message(app, client, login_as, street):
    from tests.conftest import csrf_token

    notify.enqueue("13800138000", "complaint_accepted", ["TSOK"], street_id=street.id, now=T0)
    failed = notify.enqueue("13800138001", "complaint_accepted", ["TSBAD"], street_id=street.id, now=T0)
    notify.deliver_due(T0, Flaky(0))
    failed.status, failed.last_error = "failed", "FailedOperation.PhoneNumberInBlacklist：x"
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/notifications").get_data(as_text=True)
    assert "已送达" in html and "发送失败" in html and "PhoneNumberInBlacklist" in html
    assert "138****8001" in html and "13800138001" not in html
    token = csrf_token(client, "/admin/notifications?status=failed")
    assert client.post(f"/admin/notifications/{failed.id}/retry", data={"csrf_token": token}).status_code == 302
    assert db.session.get(OutboxMessage, failed.id).status == "pending"


def test_staff_phone_from_the_command_line(app, street):
    factories.make_user("inspector", username="liu", street=street)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "phone", "liu", "+86 137-0000-0001"])
    assert result.exit_code == 0 and "13700000001" in result.output
    assert runner.invoke(args=["users", "phone", "liu", "0719-8117836"]).exit_code != 0  # landlines get no SMS
    assert runner.invoke(args=["users", "phone", "liu"]).exit_code == 0
    from creditstreet.models import User

    assert db.session.scalar(select(User.phone).where(User.username == "liu")) == ""
