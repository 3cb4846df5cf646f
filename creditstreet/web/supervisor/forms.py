"""Supervisor forms: the four yes/no criteria of a ballot (SPEC S1)."""
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired

from ...domain.stars import CRITERIA, CRITERIA_LABELS

YES_NO = [("1", "是"), ("0", "否")]


class VoteForm(FlaskForm):
    lawful = RadioField(CRITERIA_LABELS["lawful"], choices=YES_NO, validators=[InputRequired("请选择是或否")])
    service = RadioField(CRITERIA_LABELS["service"], choices=YES_NO, validators=[InputRequired("请选择是或否")])
    compliance = RadioField(CRITERIA_LABELS["compliance"], choices=YES_NO,
                            validators=[InputRequired("请选择是或否")])
    honesty = RadioField(CRITERIA_LABELS["honesty"], choices=YES_NO, validators=[InputRequired("请选择是或否")])

    def criteria_fields(self):
        return [getattr(self, c) for c in CRITERIA]
