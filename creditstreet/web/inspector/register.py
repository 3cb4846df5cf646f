"""The shop register (经济户口) for inspectors: shop list with flags and grades, one timeline per shop."""
from datetime import date

from flask import render_template, request

from ...exports import XLSX_MIMETYPE, attachment, xlsx_bytes
from ...models import Shop
from ...services import register
from ...services.paging import paginate
from ..labels import licence_flag_texts as licence_flags
from . import bp
from ..scope import current_street
from .patrols import shop_or_404, street_today


@bp.route("/shops")
def shop_list():
    street = current_street()
    q = request.args.get("q", "")
    page = paginate(register.shops_query(street.id, q, include_closed=request.args.get("closed") == "1"),
                    request.args.get("page", type=int), key=Shop.id)
    return render_template("inspector/shop_list.html", shops=page.items, page=page, q=q,
                           flags=licence_flags(page.items, street_today(street)),
                           grades=register.latest_grades([s.id for s in page.items]))


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/shops/<int:shop_id>")
def shop_register(shop_id: int):
    from flask_login import current_user

    shop = shop_or_404(shop_id)
    street = current_street()
    kinds = {k for k in request.args.getlist("kind") if k in register.KINDS}
    start, end = _date_arg("start"), _date_arg("end")
    entries = register.timeline(shop, current_user, street.timezone, kinds or None, start, end)
    if request.args.get("format") == "xlsx":
        data = xlsx_bytes(register.EXPORT_HEADERS, register.export_rows(entries, street.timezone),
                          sheet_title="经济户口")
        return attachment(data, f"经济户口-{shop.name}.xlsx", XLSX_MIMETYPE)
    grades = register.latest_grades([shop.id])
    return render_template("inspector/register.html", shop=shop, entries=entries, kinds=register.KINDS,
                           selected=kinds, start=start, end=end, grade=grades.get(shop.id),
                           flag=licence_flags([shop], street_today(street)).get(shop.id),
                           has_grade_page="inspector.shop_grade" in _endpoints())


def _endpoints():
    from flask import current_app

    return current_app.view_functions
