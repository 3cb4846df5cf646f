"""Open data (SPEC §13 P5): shops, stars, titles, commitments and complaint figures as CSV and JSON.

``/open-data/`` lists every file, per street and city-wide, with the licence line and the date.
No personal data and no internal grades: the columns come from ``services.open_data`` only.
"""
from flask import abort, jsonify, render_template, request, url_for
from sqlalchemy import select

from ...domain.time import local_date
from ...exports import CSV_MIMETYPE, attachment, csv_bytes
from ...extensions import db
from ...models import Street, utcnow
from ...services import open_data
from . import bp


def _street_arg() -> Street | None:
    raw = request.args.get("street", "")
    if not raw:
        return None
    street = db.session.get(Street, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if street is None:
        abort(404)
    return street


@bp.route("/open-data/")
def open_data_index():
    streets = list(db.session.scalars(select(Street).order_by(Street.id)))
    today = local_date(utcnow(), None)  # the city's date (Asia/Shanghai), whichever street
    # One url_for per file; a street's link is that + ?street=<id> (300 streets: 6 calls, not 1,800).
    links = {(key, fmt): url_for("public.open_data_file", name=key, fmt=fmt)
             for key in open_data.DATASETS for fmt in ("csv", "json")}
    return render_template("public/open_data.html", streets=streets, datasets=open_data.DATASETS,
                           licence=open_data.LICENCE, today=today, links=links)


@bp.route("/open-data/<name>.<fmt>")
def open_data_file(name: str, fmt: str):
    if name not in open_data.DATASETS or fmt not in ("csv", "json"):
        abort(404)
    street = _street_arg()
    now = utcnow()
    ds = open_data.build(name, street, now)
    scope = street.name if street else "全市"
    today = local_date(now, street.timezone if street else None)
    if fmt == "json":
        rows = [dict(zip(ds.headers, (v.isoformat() if hasattr(v, "isoformat") else
                                      (str(v) if v is not None and not isinstance(v, (int, str)) else v)
                                      for v in row))) for row in ds.rows]
        return jsonify({"dataset": name, "title": ds.title, "scope": scope, "date": today.isoformat(),
                        "licence": open_data.LICENCE, "columns": list(ds.headers), "rows": rows})
    data = csv_bytes(ds.headers, ds.rows)
    return attachment(data, f"{ds.title}-{scope}-{today.isoformat()}.csv", CSV_MIMETYPE, f"{name}.csv")
