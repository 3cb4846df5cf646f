"""Authorisation matrix (issue 7): every route the app registers × anonymous and each role.

Every endpoint is listed by name in MATRIX, so a new route without an entry fails
(“新路由缺少权限矩阵条目”). Conventions: public.*, api.* and auth.* are open; inspector.* is for
inspectors and admins (so is complaint_stats.*, a blueprint of its own under /admin/complaint-stats);
supervisor.* for supervisors and admins; admin.* for admins only.

Expected answers:
- allowed: 2xx, or 3xx whose Location is not the login page;
- "login": 302 to /auth/login (anonymous on a guarded route);
- 403: logged in with the wrong role;
- 405: GET on a POST-only route (routing refuses it before any guard, for everyone);
- 404: where an entry says so (e.g. an object of another street).
Routes taking POST are also POSTed (with a valid CSRF token, so the guard, not the token check,
answers) by the roles that must be refused: anonymous → login, wrong role → 403. Allowed roles are not
POSTed here (that would act); each area's own tests cover the allowed POSTs.
"""
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

import pytest

from creditstreet import create_app
from creditstreet.extensions import db
from creditstreet.models import (
    AnnualStar,
    Commitment,
    ConsumerWarning,
    CorrectionRequest,
    FundEntry,
    SupervisorConflict,
    CardBatch,
    CardRange,
    PrintJob,
    GradeRun,
    Complaint,
    IndustryGroup,
    Patrol,
    PeerFinding,
    Photo,
    SpecialAction,
    CreditRepair,
    MerchantAttachment,
    Objection,
    Violation,
)

from .. import factories
from ..conftest import csrf_token

O, INS, SUP, ADM, MER = "open", "inspector", "supervisor", "admin", "merchant"
ROLES = ("anonymous", "inspector", "supervisor", "admin", "merchant")
# merchant.*: only merchant logins, each reaching its own shop (SPEC M1); admins act from admin pages
ALLOWED = {O: set(ROLES), INS: {"inspector", "admin"}, SUP: {"supervisor", "admin"}, ADM: {"admin"},
           MER: {"merchant"}}


@dataclass
class E:
    """One endpoint's entry: who may use it, URL values (names → World attribute or literal), overrides."""

    who: str
    params: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)  # query-string values, same spelling as params
    expect: dict = field(default_factory=dict)  # role → expected answer overriding the convention


MATRIX: dict[str, E] = {
    # public: the notice board and the consumer's pages, open to everyone
    "public.index": E(O),
    "public.shop": E(O),
    "public.favicon": E(O),
    "public.complaint_new": E(O),
    "public.track": E(O),
    "public.track_result": E(O),
    "public.card_verify": E(O),
    "public.track_action": E(O, {"action": "=confirm"}),
    # api: JSON intake and tracking, open (errors as JSON)
    "api.health": E(O),
    "api.openapi": E(O),
    "api.track": E(O),
    "api.create_complaint": E(O),
    # auth
    "auth.login": E(O),
    "auth.logout": E(O),
    "auth.set_language": E(O, {"code": "=en"}),
    "auth.change_password": E(O, expect={"anonymous": "login"}),  # any login changes its own password
    # inspector.*: inspectors and admins
    "inspector.home": E(INS),
    "inspector.shop_list": E(INS),
    "inspector.shop_register": E(INS),
    "inspector.shop_grade": E(INS),
    "inspector.card_check_new": E(INS),
    "inspector.violation_new": E(INS),
    "inspector.patrol_list": E(INS),
    "inspector.patrol_new": E(INS),
    "inspector.patrol_show": E(INS),
    "inspector.patrol_photo": E(INS),
    "inspector.plan": E(INS),
    "inspector.action_list": E(INS),
    "inspector.action_show": E(INS),
    "inspector.industry_groups": E(INS),
    "inspector.industry_group": E(INS),
    "inspector.finding_decide": E(INS, {"decision": "=confirm"}),
    "inspector.complaint_queue": E(INS),
    "inspector.complaint_detail": E(INS, {"cid": "complaint_id"}),
    "inspector.complaint_intake": E(INS),
    "inspector.complaint_action": E(INS, {"cid": "complaint_id", "action": "=note"}),
    # complaint photos: the handler and admins only (K6); the matrix inspector does not handle it
    "inspector.complaint_photo": E(INS, {"cid": "complaint_id", "photo_id": "complaint_photo_id"},
                                   expect={"inspector": "404"}),
    # complaint_stats.*: a blueprint of its own for inspectors and admins (under /admin/complaint-stats)
    "complaint_stats.stats": E(INS),
    "complaint_stats.export": E(INS, {"fmt": "=csv"}, query={"quarter": "=2026Q1"}),
    # supervisor.*: supervisors and admins
    "supervisor.home": E(SUP),
    "supervisor.my_ballots": E(SUP),
    "supervisor.vote_next": E(SUP),
    "supervisor.vote": E(SUP),
    # admin.*: admins only
    "admin.home": E(ADM),
    "admin.audit_log": E(ADM),
    "admin.users": E(ADM),
    "admin.user_new": E(ADM),
    "admin.user_password": E(ADM),
    "admin.user_disable": E(ADM),
    "admin.user_enable": E(ADM),
    "admin.settings": E(ADM),
    "admin.settings_calendar": E(ADM),
    "admin.calendar_page": E(ADM),
    "admin.calendar_notice": E(ADM),
    "admin.shops_list": E(ADM),
    "admin.shop_new": E(ADM),
    "admin.shop_edit": E(ADM),
    "admin.shop_close": E(ADM),
    "admin.ledger_import": E(ADM),
    "admin.cards_home": E(ADM),
    "admin.card_sheet": E(ADM),
    "admin.card_print": E(ADM), "admin.print_job": E(ADM), "admin.print_job_pdf": E(ADM),
    "admin.print_job_restart": E(ADM), "admin.print_job_status": E(ADM),
    "admin.grades": E(ADM),
    "admin.grade_run": E(ADM),
    "admin.grades_recompute": E(ADM),
    "admin.ballots_overview": E(ADM),
    "admin.conflicts": E(ADM),
    "admin.conflict_remove": E(ADM),
    "admin.exams_home": E(ADM),
    "admin.exam_new": E(ADM),
    "admin.training_new": E(ADM),
    "admin.agreement_new": E(ADM),
    "admin.warnings_list": E(ADM),
    "admin.warnings_scan": E(ADM),
    "admin.warning_review": E(ADM),
    "admin.warning_dismiss": E(ADM),
    "admin.awards_home": E(ADM),
    "admin.awards_propose": E(ADM, {"year": "=2025"}),
    "admin.awards_confirm": E(ADM, {"year": "=2025"}),
    "admin.awards_marks": E(ADM, {"year": "=2025"}),
    "admin.awards_plaques": E(ADM, {"year": "=2025"}),
    "admin.award_revoke": E(ADM),
    # issue 17: the SMS outbox
    "admin.notifications": E(ADM),
    "admin.notification_retry": E(ADM, {"msg_id": "=999999"}),
    # issue 16: commitments, fund, corrections, open data (SPEC §13)
    "admin.commitments_queue": E(ADM),
    "admin.shop_commitments": E(ADM),
    "admin.commitment_action": E(ADM, {"action": "=approve"}),
    "admin.commitment_sign": E(ADM),
    "admin.correction_request": E(ADM),
    "admin.correction_decide": E(ADM, {"request_id": "correction_id", "action": "=grant"}),
    "admin.fund_ledger": E(ADM),
    "admin.fund_action": E(ADM, {"entry_id": "fund_entry_id", "action": "=paid"}),
    "admin.fund_export": E(ADM),
    "public.open_data_index": E(O),
    "public.open_data_file": E(O, {"name": "=shops", "fmt": "=csv"}),
    # issue 15: shops take part (SPEC §12 M1–M5)
    "auth.signup": E(O),
    "merchant.home": E(MER),
    "merchant.commitment_new": E(MER),
    "merchant.shop_register": E(MER),
    "merchant.settlement_toggle": E(MER),
    "merchant.complaints": E(MER),
    "merchant.complaint": E(MER, {"cid": "complaint_id"}),
    "merchant.objection_new": E(MER, {"rtype": "=violation", "rid": "violation_id"}),
    "merchant.repair_new": E(MER, {"rtype": "=violation", "rid": "violation_id"}),
    "merchant.pledge_pdf": E(MER, {"rtype": "=violation", "rid": "violation_id"}),
    "merchant.requests": E(MER),
    "admin.shop_merchants": E(ADM),
    "admin.merchant_queue": E(ADM),
    "admin.objection_decide": E(ADM, {"oid": "objection_id"}),
    "admin.repair_decide": E(ADM, {"rid": "repair_id"}),
    "admin.merchant_file": E(ADM, {"file_id": "merchant_file_id"}),
    # issue 18: the city page (each street's own pages are the public.* rules under /s/<street>/)
    "public.streets": E(O),
    "admin.street_settings": E(ADM),
    # the city's streets: city admins only; the matrix's admin is a street admin (tests/web/test_admin_streets.py)
    "admin.streets_page": E(ADM, expect={"admin": "403"}),
    "admin.street_edit": E(ADM, expect={"admin": "403"}),
    "admin.street_make_default": E(ADM),  # POST only; a street admin's POST: test_admin_streets.py
}


class World:
    """The objects whose ids fill URL parameters (one of each kind, in one street)."""

    def __init__(self, street, prefix: str = "mx"):
        self.street = street
        self.shop = factories.make_shop(street, name="矩阵测试商店")
        self.group = factories.make_group(street)
        extra = {"inspector": {"group_id": self.group.id}, "merchant": {"shop_id": self.shop.id}}
        self.users = {role: factories.make_user(role, username=f"{prefix}-{role}", street=street, **extra.get(role, {}))
                      for role in ("inspector", "supervisor", "admin", "merchant")}
        self.target_user = factories.make_user("supervisor", username=f"{prefix}-target", street=street)
        self.complaint = Complaint(street_id=street.id, shop_id=self.shop.id, tracking_code=f"{prefix.upper()}TRACK0001",
                                   title="矩阵", description="矩阵测试投诉", consumer_phone="13800000000")
        self.action = SpecialAction(street_id=street.id, theme="矩阵专项", action_on=date(2026, 3, 15))
        self.industry_group = IndustryGroup(street_id=street.id, trade="clothing", name="服装小组")
        db.session.add_all([self.complaint, self.action, self.industry_group])
        db.session.flush()
        self.patrol = Patrol(shop_id=self.shop.id, group_id=self.group.id, inspector_id=self.users["inspector"].id,
                             special_action_id=self.action.id)
        db.session.add(self.patrol)
        db.session.flush()
        self.batch = CardBatch(street_id=street.id, name="矩阵批次", first_serial=1, last_serial=100)
        db.session.add(self.batch)
        db.session.flush()
        self.card_range = CardRange(batch_id=self.batch.id, shop_id=self.shop.id, first_serial=1, last_serial=10,
                                    issued_on=date(2026, 1, 5))
        self.grade_run = GradeRun(quarter="2026Q1", street_id=street.id, trigger="cli")
        self.annual = AnnualStar(shop_id=self.shop.id, year=2025, stars=4, status="confirmed")
        self.conflict = SupervisorConflict(supervisor_id=self.target_user.id, shop_id=self.shop.id, reason="亲属")
        self.warning = ConsumerWarning(street_id=street.id, goods_category="服装鞋帽", title="矩阵警示", body="正文")
        db.session.add_all([self.card_range, self.grade_run, self.annual, self.conflict, self.warning])
        self.photo = Photo(patrol_id=self.patrol.id, data=b"\xff\xd8\xff\xd9", width=1, height=1)
        self.finding = PeerFinding(industry_group_id=self.industry_group.id, shop_id=self.shop.id,
                                   description="未明码标价")
        self.commitment = Commitment(shop_id=self.shop.id, kind="no_reason_returns", return_days=7,
                                     categories="服装", status="approved")
        self.fund_entry = FundEntry(street_id=street.id, kind="deposit", amount_fen=100)
        self.correction = CorrectionRequest(shop_id=self.shop.id, reason="数据有误")
        self.complaint_photo = Photo(complaint_id=self.complaint.id, data=b"\xff\xd8\xff\xd9", width=1, height=1)
        db.session.add_all([self.photo, self.finding, self.commitment, self.fund_entry, self.correction,
                            self.complaint_photo])
        self.violation = Violation(shop_id=self.shop.id, severity="general", kind="other", description="矩阵违章")
        db.session.add(self.violation)
        db.session.flush()
        self.objection = Objection(shop_id=self.shop.id, record_type="violation", record_id=self.violation.id,
                                   reasons="矩阵异议", decide_by=date(2026, 3, 20))
        self.repair = CreditRepair(shop_id=self.shop.id, record_type="violation", record_id=self.violation.id,
                                   correction="矩阵整改", decide_by=date(2026, 3, 20))
        db.session.add_all([self.objection, self.repair])
        db.session.flush()
        self.merchant_file = MerchantAttachment(objection_id=self.objection.id, data=b"\xff\xd8\xff\xd9")
        self.print_job = PrintJob(range_id=self.card_range.id, first_serial=1, last_serial=10,
                                  base_url="http://localhost", total=10, done=10, status="done", pdf=b"%PDF-1.4\n%%EOF\n")
        db.session.add_all([self.merchant_file, self.print_job])
        db.session.flush()
        self.ids = {
            "shop_id": self.shop.id, "user_id": self.target_user.id, "patrol_id": self.patrol.id,
            "photo_id": self.photo.id, "action_id": self.action.id, "group_id": self.industry_group.id,
            "finding_id": self.finding.id, "complaint_id": self.complaint.id,
            "tracking_code": self.complaint.tracking_code, "range_id": self.card_range.id,
            "run_id": self.grade_run.id, "star_id": self.annual.id, "conflict_id": self.conflict.id,
            "warning_id": self.warning.id, "commitment_id": self.commitment.id,
            "fund_entry_id": self.fund_entry.id, "correction_id": self.correction.id,
            "complaint_photo_id": self.complaint_photo.id, "street_id": street.id,
            "violation_id": self.violation.id, "objection_id": self.objection.id, "repair_id": self.repair.id,
            "merchant_file_id": self.merchant_file.id, "job_id": self.print_job.id,
            "street": street.slug,
        }
        self.usernames = {role: u.username for role, u in self.users.items()}

    def value(self, rule, name: str, spec: str):
        if spec.startswith("="):
            return spec[1:]
        if spec in self.ids:
            return self.ids[spec]
        raise AssertionError(f"权限矩阵缺少 URL 参数 {name} 的取值: {rule.endpoint}")

    def path(self, rule, entry: E) -> str:
        values = {n: self.value(rule, n, entry.params.get(n, n)) for n in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        if entry.query:
            path += "?" + urlencode({n: self.value(rule, n, spec) for n, spec in entry.query.items()})
        return path


def _rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)


def test_every_route_has_a_matrix_entry(app):
    missing = sorted({r.endpoint for r in _rules(app)} - set(MATRIX))
    assert not missing, "新路由缺少权限矩阵条目: " + ", ".join(missing)
    stale = sorted(set(MATRIX) - {r.endpoint for r in _rules(app)})
    assert not stale, "权限矩阵中的路由已不存在: " + ", ".join(stale)


@pytest.fixture
def matrix_clients(app, street):
    world = World(street)
    db.session.commit()  # from here on only plain values of the world are read: no SQLite lock held
    # A second app on the same database: its requests get their own app context (and so their own
    # flask.g). Refused POSTs carry a valid CSRF token so the role guard, not the token check, answers.
    other = create_app("test", SQLALCHEMY_DATABASE_URI=str(db.engine.url.render_as_string(hide_password=False)))
    clients = {"anonymous": other.test_client()}
    for role, username in world.usernames.items():
        c = other.test_client()
        token = csrf_token(c, "/auth/login")
        resp = c.post("/auth/login", data={"csrf_token": token, "username": username,
                                           "password": factories.PASSWORD})
        assert resp.status_code == 302, role
        clients[role] = c
    tokens = {}
    for role, c in clients.items():
        html = c.get("/").get_data(as_text=True)  # every page carries the logout/language forms
        tokens[role] = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    yield world, clients, tokens
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _verdict(resp) -> str:
    loc = resp.headers.get("Location", "")
    if resp.status_code == 302 and "/auth/login" in loc:
        return "login"
    if 200 <= resp.status_code < 400:
        return "allowed"
    return str(resp.status_code)


def _expected(entry: E, role: str, method: str, rule) -> str:
    if role in entry.expect:
        return entry.expect[role]
    if method == "GET" and "GET" not in rule.methods:
        return "405"
    if role in ALLOWED[entry.who]:
        return "allowed"
    return "login" if role == "anonymous" else "403"


def test_authorisation_matrix(app, matrix_clients):
    world, clients, tokens = matrix_clients
    wrong = []
    checked = 0
    for rule in _rules(app):
        entry = MATRIX.get(rule.endpoint)
        if entry is None:
            continue  # reported by test_every_route_has_a_matrix_entry
        path = world.path(rule, entry)
        for role in ROLES:
            for method in ("GET", "POST"):
                if method == "POST":
                    # POST only where a POST exists and this role must be refused by the guard.
                    if "POST" not in rule.methods or role in ALLOWED[entry.who] or role in entry.expect:
                        continue
                want = _expected(entry, role, method, rule)
                try:
                    data = {"csrf_token": tokens[role]} if method == "POST" else None
                    got = _verdict(clients[role].open(path, method=method, data=data))
                except Exception as e:  # noqa: BLE001 - report every broken route, not just the first
                    got = f"exception {type(e).__name__}: {e}"
                checked += 1
                if got != want:
                    wrong.append(f"{method} {path} ({rule.endpoint}) as {role}: expected {want}, got {got}")
    assert not wrong, "\n".join(wrong)
    assert checked >= 4 * len(MATRIX)
