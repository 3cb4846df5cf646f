"""Admin accounts, settings and the audit log viewer (issue 7, SPEC A1): every change leaves before/after."""
from datetime import date, datetime, timezone

from flask import g
from sqlalchemy import func, select

from creditstreet.extensions import db
from creditstreet.models import AuditEntry, CalendarDay, Setting, User, utcnow

from .. import factories
from ..conftest import csrf_token, login


def _switch(c):
    """Use browser ``c`` next. The fixture's app context (and so ``g``, which caches the logged-in
    user and the CSRF token) outlives requests, so forget what the last browser left there."""
    for key in list(g):
        g.pop(key)
    return c


def _other_client(app):
    return _switch(app.test_client())


def _entries(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def test_admin_creates_an_account_and_the_audit_log_has_it(client, login_as, street):
    admin = login_as("admin", username="boss")
    group = factories.make_group(street, "第二巡查组")
    db.session.commit()
    token = csrf_token(client, "/admin/users/new")
    resp = client.post("/admin/users/new", data={
        "csrf_token": token, "username": "wang", "display_name": "王巡查", "role": "inspector",
        "group_id": str(group.id), "password": "long-enough-1"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/admin/users"
    user = db.session.scalar(select(User).where(User.username == "wang"))
    assert (user.role, user.display_name, user.group_id, user.street_id) == ("inspector", "王巡查", group.id, street.id)
    [entry] = _entries("user.create")
    assert entry.actor_id == admin.id and entry.entity == "user" and entry.entity_id == str(user.id)
    assert entry.before is None and entry.after["username"] == "wang" and "password_hash" not in entry.after
    assert "wang" in client.get("/admin/users").get_data(as_text=True)


def test_create_account_error_keeps_typed_text(client, login_as):
    login_as("admin", username="boss")
    token = csrf_token(client, "/admin/users/new")
    resp = client.post("/admin/users/new", data={
        "csrf_token": token, "username": "boss", "display_name": "重名的人", "role": "admin",
        "group_id": "0", "password": "long-enough-1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "用户名 boss 已存在" in html and 'value="重名的人"' in html
    assert _entries("user.create") == []


def test_disable_enable_and_reset_password_are_audited(app, client, login_as, street):
    admin = login_as("admin", username="boss")
    sup = factories.make_user("supervisor", username="li", street=street)
    db.session.commit()
    token = csrf_token(client, "/admin/users")
    assert client.post(f"/admin/users/{sup.id}/disable", data={"csrf_token": token}).status_code == 302
    db.session.refresh(sup)
    assert sup.disabled is True
    [off] = _entries("user.disable")
    # session_epoch starts at 0 and disabling bumps it once (remembered logins stop matching).
    assert off.actor_id == admin.id and off.before == {"disabled": False, "session_epoch": 0}
    assert off.after == {"disabled": True, "session_epoch": 1}
    other = _other_client(app)
    assert "账号已停用" in login(other, "li", factories.PASSWORD).get_data(as_text=True)

    assert _switch(client).post(f"/admin/users/{sup.id}/enable", data={"csrf_token": token}).status_code == 302
    db.session.refresh(sup)
    [on] = _entries("user.enable")
    assert sup.disabled is False and on.before["disabled"] is True and on.after["disabled"] is False

    token = csrf_token(_switch(client), f"/admin/users/{sup.id}/password")
    resp = client.post(f"/admin/users/{sup.id}/password",
                       data={"csrf_token": token, "password": "brand-new-pw", "confirm": "brand-new-pw"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    [reset] = _entries("user.password_reset")
    assert reset.actor_id == admin.id and reset.before == {"session_epoch": 2, "must_change_password": False}
    # never the password or its hash; the user must change the password the admin chose (issue 17)
    assert reset.after == {"session_epoch": 3, "must_change_password": True}
    assert login(_other_client(app), "li", factories.PASSWORD).status_code == 200  # old password refused
    assert login(_other_client(app), "li", "brand-new-pw").status_code == 302


def test_short_password_and_self_disable_are_refused_in_chinese(client, login_as):
    admin = login_as("admin", username="boss")
    token = csrf_token(client, f"/admin/users/{admin.id}/password")
    resp = client.post(f"/admin/users/{admin.id}/password",
                       data={"csrf_token": token, "password": "short", "confirm": "short"})
    assert resp.status_code == 200 and "密码至少 8 位" in resp.get_data(as_text=True)
    resp = client.post(f"/admin/users/{admin.id}/disable", data={"csrf_token": token}, follow_redirects=True)
    assert "不能停用自己的账号" in resp.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.disabled is False
    assert _entries("user.disable") == [] and _entries("user.password_reset") == []


def _settings_form(client):
    """The settings form as a browser would submit it: every field with its shown value."""
    import re

    html = client.get("/admin/settings").get_data(as_text=True)
    form = html.split('action="/admin/settings"', 1)[1].split("</form>", 1)[0]
    data = dict(re.findall(r'<input id="[a-z_]+"[^>]* name="([a-z_]+)"[^>]* type="text" value="([^"]*)"', form))
    data["csrf_token"] = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    return data


def test_setting_change_is_stored_and_audited_with_before_and_after(client, login_as):
    admin = login_as("admin")
    data = _settings_form(client)
    assert data["exam_pass_mark"] == "60" and data["pass_share"] == "2/3"  # SPEC S2/S3 defaults
    data["exam_pass_mark"] = "70"
    resp = client.post("/admin/settings", data=data)
    assert resp.status_code == 302
    assert db.session.get(Setting, "exam_pass_mark").value == "70"
    [entry] = _entries("setting.update")  # only the changed key is written
    assert entry.actor_id == admin.id and entry.entity_id == "exam_pass_mark"
    assert entry.before == {"value": "60"} and entry.after == {"value": "70"}
    assert _settings_form(client)["exam_pass_mark"] == "70"


def test_bad_setting_is_refused_keeps_typed_values_and_writes_nothing(client, login_as):
    login_as("admin")
    data = _settings_form(client)
    data["exam_pass_mark"] = "75"
    data["pass_share"] = "3/2"  # a share above 1 is invalid
    resp = client.post("/admin/settings", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "单项通过所需赞成比例" in html and "应大于0且不大于1" in html
    assert 'value="3/2"' in html and 'value="75"' in html
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 0
    assert _entries("setting.update") == []


def test_absurd_settings_show_every_error_next_to_its_field_and_store_nothing(client, login_as):
    """QA: 99999999999999999999 months overflowed dates (500); pass_share 0 and 200 days were accepted;
    full-width ２／３ was refused; only one error was shown, only in the banner."""
    login_as("admin")
    data = _settings_form(client)
    data.update(min_months_open="99999999999999999999", pass_share="0", ballot_open_days_before_end="200",
                quarters_share="２／３")  # NFKC → 2/3, valid
    resp = client.post("/admin/settings", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "有 3 项设置无效" in html  # the banner counts them; each message sits in its field's block
    for key, why in [("min_months_open", "应在0到24之间"), ("pass_share", "应大于0且不大于1"),
                     ("ballot_open_days_before_end", "应在0到92之间")]:
        block = html.split(f'id="{key}"', 1)[1].split('class="field', 1)[0]
        assert why in block, key
    assert 'value="99999999999999999999"' in html and 'value="２／３"' in html and 'value="200"' in html
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 0
    assert _entries("setting.update") == []

    data = _settings_form(client)
    data["quarters_share"] = "２／３"
    assert client.post("/admin/settings", data=data).status_code == 302
    assert db.session.get(Setting, "quarters_share").value == "2/3"  # stored normalised


def test_a_stored_out_of_range_value_falls_back_to_the_default_instead_of_500(client, login_as, street):
    login_as("admin")
    db.session.add(Setting(key="min_months_open", value="99999999999999999999", version=1))
    db.session.commit()
    assert client.get("/admin/settings").status_code == 200
    assert _settings_form(client)["min_months_open"] == "3"  # SPEC S3 default shown


def test_calendar_override_is_audited_and_incomplete_years_are_shown(client, login_as):
    admin = login_as("admin")
    this_year = utcnow().astimezone(timezone.utc).year
    html = client.get("/admin/settings").get_data(as_text=True)
    # The page looks at this year − 1 … this year + 2; the statutory schedule is published at most
    # one year ahead, so this year + 2 is always incomplete and must be named.
    assert "工作日历不完整" in html and str(this_year + 2) in html.split('id="calendar-incomplete"')[1][:300]
    token = csrf_token(client, "/admin/settings")
    resp = client.post("/admin/settings/calendar", data={
        "csrf_token": token, "day": "2031-10-08", "kind": "workday", "note": "国庆调休"})
    assert resp.status_code == 302
    assert db.session.get(CalendarDay, date(2031, 10, 8)).kind == "workday"
    [entry] = _entries("calendar.set")
    assert entry.actor_id == admin.id and entry.entity_id == "2031-10-08"
    assert entry.before is None and entry.after == {"kind": "workday", "note": "国庆调休"}
    resp = client.post("/admin/settings/calendar", data={
        "csrf_token": token, "day": "2031-10-08", "kind": "clear", "note": ""})
    assert resp.status_code == 302 and db.session.get(CalendarDay, date(2031, 10, 8)) is None
    assert _entries("calendar.set")[1].before == {"kind": "workday"}


def test_audit_viewer_filters_and_paginates(client, login_as):
    login_as("admin", username="boss")
    at = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)  # 10:00 on 2026-03-01 in Shanghai
    for i in range(55):
        db.session.add(AuditEntry(at=at, actor_label="zhang", action="shop.update", entity="shop",
                                  entity_id=str(i)))
    # 2026-03-02 23:30 Shanghai = 15:30 UTC on the 2nd: still the 2nd locally.
    db.session.add(AuditEntry(at=datetime(2026, 3, 2, 15, 30, tzinfo=timezone.utc), actor_label="li",
                              action="ballot.cast", entity="ballot", entity_id="900"))
    # 2026-03-03 00:30 Shanghai = 16:30 UTC on the 2nd: the 3rd locally.
    db.session.add(AuditEntry(at=datetime(2026, 3, 2, 16, 30, tzinfo=timezone.utc), actor_label="li",
                              action="ballot.cast", entity="ballot", entity_id="901"))
    db.session.commit()

    def ids(html):
        table = html.split('id="audit-table"')[1].split("</table>")[0]
        return table.count("<tr>") - 1  # minus the header row

    html = client.get("/admin/audit?entity=shop").get_data(as_text=True)
    assert ids(html) == 50 and "共 55 条，第 1 / 2 页" in html  # 55 shop entries, 50 per page
    html = client.get("/admin/audit?entity=shop&page=2").get_data(as_text=True)
    assert ids(html) == 5
    html = client.get("/admin/audit?actor=li&since=2026-03-02&until=2026-03-02").get_data(as_text=True)
    assert "监督员投票 #900" in html and "监督员投票 #901" not in html and ids(html) == 1
    html = client.get("/admin/audit?entity=ballot&entity_id=901").get_data(as_text=True)
    assert "监督员投票 #901" in html and ids(html) == 1


def test_audit_routes_are_read_only(app):
    """Nobody can edit or delete the audit log through the app (SPEC A1): audit URLs answer GET only."""
    audit_rules = [r for r in app.url_map.iter_rules() if "audit" in r.rule or "audit" in r.endpoint]
    assert audit_rules, "the audit viewer must exist"
    for rule in audit_rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_admin_grade_recompute_is_audited_with_who_and_the_resulting_counts(client, login_as, street):
    from datetime import timedelta

    from creditstreet.domain.time import quarter_of
    from creditstreet.models import CreditGrade, Violation

    admin = login_as("admin", username="boss")
    quarter = quarter_of(utcnow(), "Asia/Shanghai").prev()  # the last completed quarter
    T = quarter.end_utc("Asia/Shanghai")
    bad, clean = factories.make_shop(street, name="有违法店"), factories.make_shop(street, name="守法店")
    db.session.add(Violation(shop_id=bad.id, severity="serious", kind="counterfeit", description="假冒",
                             recorded_at=T - timedelta(days=10)))
    db.session.commit()
    token = csrf_token(client, "/admin/grades")
    resp = client.post("/admin/grades/recompute", data={"csrf_token": token, "quarter": str(quarter),
                                                        "street_id": ""})
    assert resp.status_code == 302
    grades = dict(db.session.execute(select(CreditGrade.shop_id, CreditGrade.grade)).all())
    # G2: a serious violation within the year → C; clean but not yet rated (no ballots) → B.
    assert grades == {bad.id: "C", clean.id: "B"}
    [entry] = _entries("grades.recompute")
    assert entry.actor_id == admin.id and entry.actor_label == "boss" and entry.entity == "grade_run"
    assert entry.after["quarter"] == str(quarter) and entry.after["shops"] == 2
    assert (entry.after["A"], entry.after["B"], entry.after["C"]) == (0, 1, 1)


def test_accounts_list_is_paged_searchable_and_the_street_admins_own(client, login_as, street):
    # The street admin "boss" (role admin) + 54 merchants m00…m53 on its street + 3 supervisors of
    # another street. Order: role (admin < merchant < supervisor), then login name.
    other = factories.make_street("另一条街")
    for n in range(54):
        factories.make_user("merchant", username=f"m{n:02d}", street=street, display_name=f"店主{n:02d}")
    for n in range(3):
        factories.make_user("supervisor", username=f"far{n}", street=other)
    login_as("admin", username="boss")
    first = client.get("/admin/users").get_data(as_text=True)
    assert "共 55 个账号" in first  # boss + 54; the other street's 3 are not this admin's
    assert "<td>boss</td>" in first and "<td>m48</td>" in first and "<td>m49</td>" not in first  # 1 + 49
    assert "far0" not in first and "第 1 / 2 页" in first
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert "<td>m49</td>" in second and "<td>m53</td>" in second and "<td>boss</td>" not in second
    # by the person's name or part of the login name, either case; by role
    found = client.get("/admin/users?q=店主07").get_data(as_text=True)
    assert "共 1 个账号" in found and "<td>m07</td>" in found
    assert "共 10 个账号" in client.get("/admin/users?q=M1").get_data(as_text=True)  # m10…m19
    assert "共 1 个账号" in client.get("/admin/users?role=admin").get_data(as_text=True)
    assert "没有符合条件的账号" in client.get("/admin/users?q=nobody").get_data(as_text=True)
