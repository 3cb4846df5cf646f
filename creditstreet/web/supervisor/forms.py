"""Supervisor forms: the four yes/no criteria of a ballot (SPEC S1)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired

from ...domain.stars import CRITERIA, CRITERIA_LABELS

YES_NO = [("1", _l("是")), ("0", _l("否"))]


class VoteForm(FlaskForm):
    lawful = RadioField(_l(CRITERIA_LABELS["lawful"]), choices=YES_NO, validators=[InputRequired(_l("请选择是或否"))])
    service = RadioField(_l(CRITERIA_LABELS["service"]), choices=YES_NO, validators=[InputRequired(_l("请选择是或否"))])
    compliance = RadioField(_l(CRITERIA_LABELS["compliance"]), choices=YES_NO,
                            validators=[InputRequired(_l("请选择是或否"))])
    honesty = RadioField(_l(CRITERIA_LABELS["honesty"]), choices=YES_NO, validators=[InputRequired(_l("请选择是或否"))])

    def criteria_fields(self):
        return [getattr(self, c) for c in CRITERIA]
