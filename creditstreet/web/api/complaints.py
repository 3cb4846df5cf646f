"""JSON API for complaint intake and tracking (12315 transfer, mobile apps, open data).

The same service, validation, idempotency (``Idempotency-Key`` header = the form's one-time
token), rate limits and masking as the public form. CSRF-exempt: it carries no cookies'
authority (no session is read or written). Errors: ``{"error": {"code", "message"}}``, with a
Chinese message and a stable code (the domain error's code, or ``bad_json``/``not_found``/
``http_<status>``). Photos are not accepted here; the web form takes them as file parts.
"""
import hashlib
import json
from types import SimpleNamespace

from flask import jsonify, request, url_for

from ...domain import complaints as rules
from ...extensions import csrf, db, limiter
from ...sqlite_mode import end_reads, sqlite_reads_only
from ...services import complaints as svc
from ..public.complaints import form_limit, track_fail_limit, track_limit
from ..scope import committing, current_street, shown_message
from . import bp
from .openapi import openapi_document

NOT_FOUND = "未找到：查询码或手机号不正确，请核对后重试。"
FIELDS = ("kind", "carries_report", "shop_id", "card_serial", "trader_name", "trader_address", "title", "goods",
          "goods_category", "amount", "purchased_on", "description", "demand", "consumer_name", "consumer_phone")


def _error(status: int, code: str, message: str, fields: dict | None = None):
    """``{"error": {"code", "message"[, "fields": {field: message}]}}`` (every wrong field at once)."""
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify(error=body), status


def public_json(c, *, shop_name: str | None = None, calendar=None, tz: str | None = None) -> dict:
    """The JSON shape of a complaint for the public (K6): ``services.complaints.public_view`` only
    (redacted text, masked name and phone), what the tracking page shows, nothing more.

    ``c``: a Complaint, or any object with its columns and ``pauses`` (a row just written); with
    ``calendar`` and ``tz`` (the street's zone) and ``shop_name`` given, nothing is read."""
    v = svc.public_view(c, with_events=False)  # the timeline is not part of this shape
    if shop_name is None and v.shop_id:
        shop = db.session.get(svc.Shop, v.shop_id)
        shop_name = shop.name if shop else None
    return {
        "tracking_code": v.tracking_code,
        "kind": v.kind,
        "carries_report": v.carries_report,
        "status": v.status,
        "status_label": rules.STATE_LABELS.get(v.status, v.status),
        "shop_name": shop_name,
        "received_at": v.received_at.isoformat(),
        "decide_by": v.decide_by.isoformat() if v.decide_by else None,
        "mediate_by": v.mediate_by.isoformat() if v.mediate_by else None,
        "refusal_reason": v.refusal_reason,
        "outcome": v.outcome,
        "remedies": v.remedy.split(",") if v.remedy else [],
        "money_recovered_yuan": f"{v.money_recovered_fen // 100}.{v.money_recovered_fen % 100:02d}",
        "closed_at": v.closed_at.isoformat() if v.closed_at else None,
        "confirmed": v.confirmed_at is not None,
        "report_status": v.report_status,
        "report_decide_by": v.report_decide_by.isoformat() if v.report_decide_by else None,
        **_deadline_view(c, calendar, tz),
        "consumer_name": v.consumer_name,
        "consumer_phone": v.consumer_phone,
        "title": v.title,
        "description": v.description,
    }


def _deadline_view(c, calendar=None, tz: str | None = None) -> dict:
    """暂定 and paused clocks (SPEC §3, K4), as the tracking page shows them."""
    provisional = svc.calendar_warning(c, calendar, tz)
    return {
        "deadline_provisional": bool(provisional),
        "deadline_note": provisional or svc.pause_note(c) or None,
        "paused": svc.open_pause(c) is not None,
        "pauses": [{"reason": p.reason, "reason_label": svc.PAUSE_REASONS.get(p.reason, p.reason),
                    "paused_on": p.paused_on.isoformat(),
                    "resumed_on": p.resumed_on.isoformat() if p.resumed_on else None,
                    "workdays": svc.pause_workdays(p)} for p in c.pauses],
    }


@bp.route("/complaints", methods=["POST"])
@csrf.exempt
@limiter.limit(form_limit)
def create_complaint():
    sqlite_reads_only(True)  # the checks read without SQLite's write lock; end_reads() below
    street = current_street()
    if street is None:
        return _error(503, "no_street", "系统尚未设置商业街")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "bad_json", "请求内容应为 JSON 对象")
    data = {k: body.get(k) for k in FIELDS}
    for k, v in data.items():
        if v is not None and not isinstance(v, (str, int, bool)):
            return _error(400, "bad_field", f"字段 {k} 的类型不正确")
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 60 or not key.isascii():
        return _error(400, "bad_idempotency_key", "Idempotency-Key 应为不超过60个字符的 ASCII 字符串")
    token = _request_token(key, data)

    more = {"track_url": url_for("public.track", _external=False)}
    with committing(flash_error=False) as done:
        stored, replay = None, svc.stored_under(token)  # a retry: the first answer again (K7)
        if replay is None:
            intake = svc.check_complaint(None, street, data, token, channel="api", token_looked_up=True)
            intake = svc.prepare(intake)  # redaction, tracking code: CPU, before the lock
            end_reads()  # the writes alone under SQLite's write lock (issue 18)
            stored = svc.store_intake(intake)
            if not stored.created:  # stored meanwhile (same token, or K7's same content)
                replay = (db.session.get(svc.Complaint, stored.id), None)
        if replay is not None:
            # Before the commit, which expires what the request loaded (no reads after it).
            out = public_json(replay[0], shop_name=replay[1]) | more | {"replayed": True}
        else:
            shop_name = intake.shop.name if intake.shop is not None else None
    if not done.ok:
        fields = getattr(done.exception, "errors", None)
        return _error(400, done.code, done.error, {k: shown_message(m) for k, m in fields.items()} if fields else None)
    if replay is not None:
        return jsonify(out), 200
    # A new complaint's answer from the values written, after the commit (the lock is released).
    new = SimpleNamespace(id=stored.id, pauses=(), **stored.row)
    return jsonify(public_json(new, shop_name=shop_name, calendar=stored.calendar, tz=intake.timezone)
                   | more | {"replayed": False}), 201


def _request_token(key: str, data: dict) -> str | None:
    """The one-time token for an API intake: the client's Idempotency-Key bound to the exact body.

    A retry (same key, same body) replays the first complaint; the same key with another body is a
    new request, so a key guessed or reused by someone else never returns another person's complaint.
    """
    if not key:
        return None
    body = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return "api:" + hashlib.sha256(f"{key}\x00{body}".encode()).hexdigest()[:58]


@bp.route("/track", methods=["POST"])
@csrf.exempt
@limiter.limit(track_limit)
@limiter.limit(track_fail_limit, deduct_when=lambda r: r.status_code == 404)
def track():
    """Code and whole mobile in the JSON body, never the URL (SPEC K6)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not all(isinstance(body.get(k, ""), str) for k in ("code", "phone")):
        return _error(400, "bad_json", "请求内容应为 JSON 对象：{\"code\": 查询码, \"phone\": 手机号}")
    c = svc.find_for_tracking(body.get("code", ""), body.get("phone", ""))
    if c is None:
        return _error(404, "not_found", NOT_FOUND)
    return jsonify(public_json(c))


@bp.route("/openapi.json")
def openapi():
    return jsonify(openapi_document())
