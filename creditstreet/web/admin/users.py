"""Admin: accounts — list, create, disable/enable, reset password (every change audited via services.accounts)."""
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ...domain.i18n import N_
from ...extensions import db
from ...models import InspectorGroup, Street, User
from ...services import accounts
from ..roles import keeps_input
from ..scope import committing, current_street, current_street_or_none, get_or_404, is_city_wide
from . import bp

ROLE_LABELS = {"inspector": N_("巡查员（工商所）"), "supervisor": N_("消费者义务监督员"), "admin": N_("管理员（创建专班）")}


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), Length(max=60)])
    display_name = StringField(_l("姓名"), validators=[Length(max=60)])
    role = SelectField(_l("角色"), choices=[(k, _l(v)) for k, v in ROLE_LABELS.items()])
    street = SelectField(_l("所属商业街"), choices=[], validate_choice=False)  # checked by accounts.check_scope
    group_id = SelectField(_l("巡查组（仅巡查员）"), coerce=int, choices=[])
    password = PasswordField(_l("初始密码（至少 8 位）"), validators=[DataRequired(_l("请输入密码"))])


class PasswordForm(FlaskForm):
    password = PasswordField(_l("新密码（至少 8 位）"), validators=[DataRequired(_l("请输入新密码"))])
    confirm = PasswordField(_l("再次输入新密码"), validators=[EqualTo("password", _l("两次输入的密码不一致"))])


class ToggleForm(FlaskForm):
    """Only the CSRF token: disable/enable buttons."""


def _street_choices() -> list[tuple[str, str]]:
    """A street admin creates accounts on their own street; a city admin on any street or city-wide (Y2)."""
    if not is_city_wide():
        street = current_street()
        return [(str(street.id), street.name)]
    streets = db.session.scalars(select(Street).order_by(Street.name)).all()
    return [("", _l("全市（市级管理员或全市监督员）"))] + [(str(s.id), s.name) for s in streets]


@bp.route("/users")
def users():
    q, role = request.args.get("q", ""), request.args.get("role", "")
    page = accounts.page_of_users(None if is_city_wide() else current_user.street_id,
                                  request.args.get("page", type=int), q, role)
    return render_template("admin/users.html", page=page, q=q, role=role,
                           roles={**ROLE_LABELS, "merchant": N_("商户账号")}, toggle=ToggleForm())


@bp.route("/users/new", methods=["GET", "POST"])
@keeps_input
def user_new():
    form = UserForm()
    form.street.choices = _street_choices()
    if not is_city_wide() or (request.method == "GET" and not form.street.data):
        form.street.data = str(current_street().id) if current_street_or_none() else ""
    street_id = int(form.street.data) if (form.street.data or "").isdigit() else None
    if street_id is None and form.group_id.data:  # a city admin picking a group picks its street
        group = db.session.get(InspectorGroup, form.group_id.data)
        street_id = group.street_id if group else None
    rows = db.session.execute(
        select(InspectorGroup, Street.name).join(Street, Street.id == InspectorGroup.street_id)
        .where(True if is_city_wide() else InspectorGroup.street_id == street_id)
        .order_by(Street.name, InspectorGroup.name)).all()
    form.group_id.choices = [(0, _l("无"))] + [(grp.id, f"{name} {grp.name}" if is_city_wide() else grp.name)
                                          for grp, name in rows]
    if not g.get("redisplay_only") and form.validate_on_submit():
        with committing() as done:
            user = accounts.create_user(
                current_user, form.username.data, form.password.data, form.role.data,
                (form.display_name.data or "").strip(), street_id=street_id,
                group_id=(form.group_id.data or None) if form.role.data == "inspector" else None,
            )
        if done.ok:
            flash(gettext("已创建账号 %(user)s", user=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_new.html", form=form)


def _user_or_404(user_id: int) -> User:
    """The account, 404 when missing or (for a street admin) on another street or city-wide."""
    return get_or_404(User, user_id)


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
def user_disable(user_id: int):
    return _toggle(user_id, True)


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
def user_enable(user_id: int):
    return _toggle(user_id, False)


def _toggle(user_id: int, disabled: bool):
    user = _user_or_404(user_id)
    form = ToggleForm()
    if not form.validate_on_submit():
        flash(gettext("页面已超时，请再次提交"), "warning")
    elif disabled and user.id == current_user.id:
        flash(gettext("不能停用自己的账号"), "danger")
    elif user.disabled != disabled:
        accounts.set_disabled(current_user, user, disabled)
        db.session.commit()
        flash(gettext("已停用账号 %(user)s", user=user.username) if disabled
              else gettext("已启用账号 %(user)s", user=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@keeps_input
def user_password(user_id: int):
    user = _user_or_404(user_id)
    form = PasswordForm()
    if not g.get("redisplay_only") and form.validate_on_submit():
        with committing() as done:
            accounts.reset_password(current_user, user, form.password.data)
        if done.ok:
            flash(gettext("已重置 %(user)s 的密码，其已记住的登录全部失效", user=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_password.html", form=form, user=user)
