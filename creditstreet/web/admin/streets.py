"""Admin: the city's streets (SPEC Y1) — list, add, rename, slug, hotlines, default street.

City admins only (a street admin works on its own street and gets 403 here). Every change goes
through ``services.streets`` (checked as a whole, audited).
"""
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from ...domain.errors import ValidationError
from ...models import Street
from ...services import streets as street_service
from ..roles import city_admin_required, keeps_input
from ..scope import committing, get_or_404, shown_message
from . import bp


class StreetForm(FlaskForm):
    name = StringField(_l("商业街名称"), validators=[Length(max=120)])
    slug = StringField(_l("街道简称（网址用，如 chengguan）"), validators=[Length(max=40)])
    duty_hours = StringField(_l("值班时间"), validators=[Length(max=60)], default="07:30–18:00")
    hotlines = TextAreaField(_l("热线（每行一条：名称 号码）"), default="投诉热线 12315")


class DefaultForm(FlaskForm):
    """Only the CSRF token: the "make default" button."""


def _save(form: FlaskForm, street: Street | None):
    """Validate and save; returns the saved street, or None with the errors set on ``form``."""
    try:
        hotlines = street_service.parse_hotlines(form.hotlines.data)
    except ValidationError as e:
        form.hotlines.errors = [shown_message(e.message)]
        hotlines = None
    with committing(flash_error=False) as done:
        saved = street_service.save_street(current_user, street, name=form.name.data or "", slug=form.slug.data or "",
                                           duty_hours=form.duty_hours.data or "", hotlines=hotlines or [])
        if hotlines is None:  # report every field at once: the others were checked above
            raise ValidationError(form.hotlines.errors[0], code="street_hotline")
    if done.ok:
        return saved
    for key, message in (getattr(done.exception, "errors", None) or {}).items():
        form[key].errors = [*form[key].errors, shown_message(message)]
    return None


@bp.route("/streets", methods=["GET", "POST"])
@city_admin_required
@keeps_input
def streets_page():
    form = StreetForm()
    status = 200
    if request.method == "POST" and not g.get("redisplay_only") and form.validate_on_submit():
        street = _save(form, None)
        if street is not None:
            flash(_("已新增商业街“%(s)s”，公示页 /s/%(slug)s/", s=street.name, slug=street.slug), "success")
            return redirect(url_for("admin.street_edit", street_id=street.id))
        status = 400
    page = street_service.page_of_streets(request.args.get("page", type=int), request.args.get("q", ""))
    return render_template("admin/streets.html", form=form, page=page, q=request.args.get("q", "")), status


@bp.route("/streets/<int:street_id>", methods=["GET", "POST"])
@city_admin_required
@keeps_input
def street_edit(street_id: int):
    street = get_or_404(Street, street_id)
    form = StreetForm(data=None if request.method == "POST" else {
        "name": street.name, "slug": street.slug, "duty_hours": street.duty_hours,
        "hotlines": "\n".join(f"{h.get('label', '')} {h.get('number', '')}".strip() for h in street.hotlines or [])})
    status = 200
    if request.method == "POST" and not g.get("redisplay_only") and form.validate_on_submit():
        if _save(form, street) is not None:
            flash(_("已保存“%(s)s”", s=street.name), "success")
            return redirect(url_for("admin.street_edit", street_id=street.id))
        status = 400
    return render_template("admin/street_form.html", form=form, street=street, default_form=DefaultForm()), status


@bp.route("/streets/<int:street_id>/default", methods=["POST"])
@city_admin_required
def street_make_default(street_id: int):
    street = get_or_404(Street, street_id)
    if DefaultForm().validate_on_submit():
        with committing() as done:
            street_service.set_default(current_user, street)
        if done.ok:
            flash(_("默认商业街：%(s)s（不带 /s/ 的网址显示它）", s=street.name), "success")
    else:
        flash(_("页面已超时，请再次提交"), "warning")
    return redirect(url_for("admin.street_edit", street_id=street.id))
