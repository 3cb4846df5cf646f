"""Admin: a street's own settings over the city defaults (SPEC Y2): the complaint clocks and windows.

A street admin sets its street's values; a city admin those of the street it picked (``?street=``).
A blank field follows the city default. Changes are validated as a whole and audited
(``services.settings.update_street_settings``).
"""
import unicodedata

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Optional

from ...domain.settings import LABELS
from ...services import settings as settings_service
from ..roles import keeps_input
from ..scope import committing, current_street, shown_message
from . import bp

KEYS = settings_service.STREET_KEYS


def _form_class():
    attrs = {k: StringField(_l(LABELS[k]), validators=[Optional()]) for k in KEYS}
    return type("StreetSettingsForm", (FlaskForm,), attrs)


@bp.route("/settings/street", methods=["GET", "POST"])
@keeps_input
def street_settings():
    street = current_street()
    own = settings_service.street_overrides(street.id)
    city = settings_service.rule_settings().to_mapping()
    form = _form_class()(data=None if request.method == "POST" else {k: own.get(k, "") for k in KEYS})
    status = 200
    if not g.get("redisplay_only") and form.validate_on_submit():
        typed = {k: unicodedata.normalize("NFKC", form[k].data or "").strip() for k in KEYS}
        changes = {k: v for k, v in typed.items() if v != own.get(k, "")}
        with committing(flash_error=False) as done:
            settings_service.update_street_settings(current_user, street, changes)
        if done.ok:
            flash(_("已保存%(s)s的 %(n)s 项设置", s=street.name, n=len(changes)) if changes else _("设置没有变化"),
                  "success")
            return redirect(url_for("admin.street_settings"))
        for key, message in (getattr(done.exception, "errors", None) or {}).items():
            if key in form:
                form[key].errors = [*form[key].errors, shown_message(message)]
        flash(done.error, "danger")
        status = 400
    return render_template("admin/street_settings.html", form=form, keys=KEYS, street=street, city=city,
                           effective=settings_service.rule_settings(street.id).to_mapping()), status
