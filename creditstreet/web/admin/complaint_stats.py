"""Complaint statistics page and exports (SPEC W2, K6; CASES K-17, K-18) for inspectors and admins.

A blueprint of its own (``complaint_stats``, under /admin/complaint-stats) guarded for inspectors,
which admins pass: the admin blueprint's guard would shut inspectors out. Exports mask personal
data unless the viewer is an admin.
"""
import re
from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from ...domain.errors import DomainError
from ...domain.time import Quarter, local_date
from ...exports import CSV_MIMETYPE, XLSX_MIMETYPE, attachment, csv_bytes, xlsx_bytes
from ...models.types import utcnow
from ...services import complaint_stats as cstats
from ..roles import guard_blueprint
from ..scope import current_street

bp = Blueprint("complaint_stats", __name__)
guard_blueprint(bp, "inspector")


def chart(rows: list, width: int = 600, bar_h: int = 18) -> dict:
    """Geometry of a horizontal bar chart (received per month) for an inline SVG, no JS, no CDN."""
    top = max([r.received for r in rows] + [1])
    label_w = 70
    bars = [{"y": i * (bar_h + 6), "w": round((width - label_w - 40) * r.received / top), "label": r.key,
             "n": r.received} for i, r in enumerate(rows)]
    return {"width": width, "height": len(rows) * (bar_h + 6), "bar_h": bar_h, "label_w": label_w, "bars": bars}


@bp.route("/")
def stats():
    street = current_street()
    today = local_date(utcnow(), street.timezone)
    text = request.args.get("from", "")
    if re.fullmatch(r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])", text):
        first = date(int(text[:4]), int(text[5:]), 1)
    else:
        first = date(today.year - (1 if today.month < 12 else 0), today.month % 12 + 1, 1)  # last 12 months
    months = cstats.by_month(street, first, 12)
    cats = cstats.by_category(street, first, 12)
    q = Quarter.of_date(today)
    quarters = [q.prev().prev().prev(), q.prev().prev(), q.prev(), q]
    return render_template("admin/complaint_stats.html", street=street, months=months, cats=cats,
                           total=cstats.total(months), chart=chart(months), first=first, quarters=quarters,
                           masked=current_user.role != "admin")


def _quarter() -> Quarter:
    try:
        return Quarter.parse(request.args.get("quarter", ""))
    except DomainError:
        abort(404)


@bp.route("/export.<fmt>")
def export(fmt):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    street, quarter = current_street(), _quarter()
    rows = cstats.export_rows(current_user, street, quarter)
    name = f"投诉导出_{quarter}.{fmt}"
    if fmt == "csv":
        return attachment(csv_bytes(cstats.EXPORT_HEADERS, rows), name, CSV_MIMETYPE,
                          ascii_name=f"complaints_{quarter}.csv")
    return attachment(xlsx_bytes(cstats.EXPORT_HEADERS, rows, sheet_title=f"投诉{quarter}"), name, XLSX_MIMETYPE,
                      ascii_name=f"complaints_{quarter}.xlsx")
