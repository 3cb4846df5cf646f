"""Admin: accounts — list, create, disable/enable, reset password (every change audited via services.accounts)."""
from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ...domain.errors import DomainError
from ...extensions import db
from ...models import InspectorGroup, Street, User
from ...services import accounts
from ..roles import keeps_input
from . import bp

ROLE_LABELS = {"inspector": "巡查员（工商所）", "supervisor": "消费者义务监督员", "admin": "管理员（创建专班）"}


class UserForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=60)])
    display_name = StringField("姓名", validators=[Length(max=60)])
    role = SelectField("角色", choices=list(ROLE_LABELS.items()))
    group_id = SelectField("巡查组（仅巡查员）", coerce=int, choices=[])
    password = PasswordField("初始密码（至少 8 位）", validators=[DataRequired("请输入密码")])


class PasswordForm(FlaskForm):
    password = PasswordField("新密码（至少 8 位）", validators=[DataRequired("请输入新密码")])
    confirm = PasswordField("再次输入新密码", validators=[EqualTo("password", "两次输入的密码不一致")])


class ToggleForm(FlaskForm):
    """Only the CSRF token: disable/enable buttons."""


def _street_id() -> int | None:
    return current_user.street_id or db.session.scalar(select(Street.id).order_by(Street.id).limit(1))


@bp.route("/users")
def users():
    rows = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    return render_template("admin/users.html", users=rows, roles={**ROLE_LABELS, "merchant": "商户账号"},
                           toggle=ToggleForm())


@bp.route("/users/new", methods=["GET", "POST"])
@keeps_input
def user_new():
    form = UserForm()
    street_id = _street_id()
    groups = db.session.scalars(select(InspectorGroup).where(InspectorGroup.street_id == street_id)
                                .order_by(InspectorGroup.name)).all()
    form.group_id.choices = [(0, "无")] + [(grp.id, grp.name) for grp in groups]
    if not g.get("redisplay_only") and form.validate_on_submit():
        try:
            user = accounts.create_user(
                current_user, form.username.data, form.password.data, form.role.data,
                (form.display_name.data or "").strip(), street_id=street_id,
                group_id=(form.group_id.data or None) if form.role.data == "inspector" else None,
            )
        except DomainError as e:
            db.session.rollback()
            flash(e.message, "danger")
        else:
            db.session.commit()
            flash(f"已创建账号 {user.username}", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_new.html", form=form)


def _user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


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
        flash("页面已超时，请再次提交", "warning")
    elif disabled and user.id == current_user.id:
        flash("不能停用自己的账号", "danger")
    elif user.disabled != disabled:
        accounts.set_disabled(current_user, user, disabled)
        db.session.commit()
        flash(f"已{'停用' if disabled else '启用'}账号 {user.username}", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@keeps_input
def user_password(user_id: int):
    user = _user_or_404(user_id)
    form = PasswordForm()
    if not g.get("redisplay_only") and form.validate_on_submit():
        try:
            accounts.reset_password(current_user, user, form.password.data)
        except DomainError as e:
            db.session.rollback()
            flash(e.message, "danger")
        else:
            db.session.commit()
            flash(f"已重置 {user.username} 的密码，其已记住的登录全部失效", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_password.html", form=form, user=user)
