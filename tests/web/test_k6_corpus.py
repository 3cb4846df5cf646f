"""Done-when of issue 13 (SPEC K6): the planted corpus never reaches a non-handler, nor the logs.

Every spelling of tests/contact_corpus.py is planted in every free-text field of its own complaint
(title and goods where it fits, description, demand, a mediation note, the closing note and the
consumer's reopening reason), all filed by 王小明 (13800138000). Then the public, a supervisor and
an inspector who does not handle them walk every GET route the app has (ids filled in), track each
complaint by page and API, and download the exports. No response — page, JSON, CSV or XLSX — holds
any secret once both are NFKC-normalised with spaces removed; no template is ever given a stored
row (``Complaint``/``ComplaintEvent``) or a personal view; the captured log holds none either.
The handler, as a control, does see the text as typed.
"""
import io
import logging
import re
import zipfile

import pytest
from flask import template_rendered

from creditstreet.domain.complaints import Outcome
from creditstreet.domain.redact import detection_key
from creditstreet.domain.time import Quarter, local_date
from creditstreet.models import Complaint, ComplaintEvent
from creditstreet.services import complaints as svc
from creditstreet.services.complaints.views import ComplaintView

from .. import factories
from ..conftest import csrf_token, login
from ..contact_corpus import CONSUMER_NAME, CORPUS

PHONE = "13800138000"
SKIP_ENDPOINTS = {"static", "auth.logout"}
SLOW = re.compile(r"pdf|print|sheet|plaque|sign|backup|bench", re.I)


@pytest.fixture
def planted(app, db, street):
    shop = factories.make_shop(street)
    handler = factories.make_user("inspector", username="k6-handler", street=street)
    items = []
    for i, (text, _secret) in enumerate(CORPUS):
        data = {"kind": "complaint", "shop_id": shop.id, "title": text if len(text) <= 20 else "",
                "goods": text if len(text) <= 60 else "", "description": f"经过{i}：" + text,
                "demand": "诉求：" + text, "consumer_name": CONSUMER_NAME, "consumer_phone": PHONE}
        c, _ = svc.file_complaint(None, street, data, None)
        svc.accept_complaint(handler, c)
        svc.add_mediation_note(handler, c, "调解：" + text)
        svc.close_complaint(handler, c, Outcome("agreement", {"refund"}, 100), note="办结：" + text)
        svc.reopen_complaint(c, "不满意：" + text)
        items.append(c)
    db.session.commit()
    return shop, handler, items


def _secrets():
    keys = {detection_key(secret) for _text, secret in CORPUS}
    return sorted(keys | {detection_key(PHONE), detection_key(CONSUMER_NAME)})


def _text_of(resp) -> str:
    data = resp.get_data()
    if data[:2] == b"PK":  # xlsx: every XML part
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    return data.decode("utf-8-sig", "replace")


def _leaks(text: str, secrets) -> list[str]:
    key = detection_key(text)
    return [s for s in secrets if s in key]


def _fill(rule, shop, items):
    """URLs for ``rule`` with its arguments filled, or [] when an argument is unknown here."""
    choices = {"cid": [c.id for c in items], "shop_id": [shop.id], "fmt": ["csv", "xlsx"]}
    urls = [{}]
    for arg in rule.arguments:
        if arg not in choices:
            return []
        urls = [{**u, arg: v} for u in urls for v in choices[arg]]
    out = []
    for values in urls:
        path = rule.build(values, append_unknown=False)[1]
        if rule.endpoint == "complaint_stats.export":
            path += "?quarter=" + str(Quarter.of_date(local_date(items[0].received_at, "Asia/Shanghai")))
        out.append(path)
    return out


def _walk(app, client, shop, items):
    """Every GET route (ids filled in) as ``client``: (path, response) pairs, none a 500."""
    seen = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIP_ENDPOINTS or SLOW.search(rule.endpoint):
            continue
        for path in _fill(rule, shop, items):
            resp = client.get(path)
            assert resp.status_code < 500, path
            seen.append((path, resp))
    return seen


def test_corpus_never_reaches_a_non_handler(app, client, db, street, planted, caplog):
    shop, handler, items = planted
    secrets = _secrets()
    rendered = []

    def _record(sender, template, context, **extra):
        rendered.append((template.name, context))

    caplog.set_level(logging.DEBUG)
    template_rendered.connect(_record, app)
    try:
        responses = []
        # the public: pages, tracking by page and API for every complaint
        responses += _walk(app, client, shop, items)
        token = csrf_token(client, "/track")
        for c in items:
            page = client.post("/track", data={"csrf_token": token, "code": c.tracking_code, "phone": PHONE})
            assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
            api = client.post("/api/track", json={"code": c.tracking_code, "phone": PHONE})
            assert api.status_code == 200
            responses += [("/track " + c.tracking_code, page), ("/api/track " + c.tracking_code, api)]
        responses.append(("/track/result", client.get("/track/result")))
        # a supervisor and an inspector who handles none of them
        for role in ("supervisor", "inspector"):
            user = factories.make_user(role, username=f"k6-{role}", street=street)
            db.session.commit()
            other = app.test_client()
            assert login(other, user.username, factories.PASSWORD).status_code == 302
            walked = _walk(app, other, shop, items)
            walked.append((f"register xlsx ({role})", other.get(f"/inspector/shops/{shop.id}?format=xlsx")))
            assert len(walked) > 10
            if role == "inspector":
                paths = {p for p, _ in walked}
                assert f"/inspector/complaints/{items[0].id}" in paths and any("export" in p for p in paths)
                assert all(r.headers.get("Cache-Control") == "no-store" for _p, r in walked)
            responses += walked
    finally:
        template_rendered.disconnect(_record, app)

    leaks = [(path, _leaks(_text_of(resp), secrets)) for path, resp in responses]
    leaks = [(p, s) for p, s in leaks if s]
    assert leaks == [], leaks[:5]
    raw_given = [(name, key) for name, ctx in rendered for key, value in ctx.items()
                 for v in (value if isinstance(value, (list, tuple)) else [value])
                 if isinstance(v, (Complaint, ComplaintEvent)) or (isinstance(v, ComplaintView) and v.personal)]
    assert raw_given == [], "a template for a non-handler was given a stored complaint: %s" % raw_given[:5]
    assert _leaks(caplog.text, secrets) == []


def test_the_handler_sees_the_text_as_typed(app, db, street, planted):
    shop, handler, items = planted
    client = app.test_client()
    assert login(client, handler.username, factories.PASSWORD).status_code == 302
    page = client.get(f"/inspector/complaints/{items[1].id}")
    text = page.get_data(as_text=True)
    assert "电话 139 1234 5678 找我" in text and PHONE in text and f'href="tel:{PHONE}"' in text
    assert page.headers["Cache-Control"] == "no-store"
