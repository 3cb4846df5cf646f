"""Texts the domain words in Chinese, put into the reader's language at render time (issue 17)."""
from flask_babel import gettext

from ..domain.patrols import LICENCE_EXPIRED
from ..services import complaints as complaint_svc
from ..services.patrols import licence_flags


def licence_flag_texts(shops, today) -> dict[int, str]:
    """``services.patrols.licence_flags`` in the reader's language: shop id → "营业执照已于…过期"."""
    by_id = {shop.id: shop for shop in shops}
    return {sid: gettext(LICENCE_EXPIRED, date=by_id[sid].licence_expires_on.isoformat())
            for sid in licence_flags(shops, today)}


def calendar_warning(c, calendar=None) -> str:
    """``services.complaints.calendar_warning`` in the reader's language ("" when not provisional)."""
    years = complaint_svc.provisional_years(c, calendar)
    return gettext(complaint_svc.CALENDAR_WARNING, years=gettext("、").join(str(y) for y in years)) if years else ""
