"""The public notice board and shop pages (SPEC G6, W2): stars and titles only, no grade, no personal data."""
from flask import abort, current_app, redirect, render_template, request, send_from_directory, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ...domain.inputs import query_int
from ...domain.promises import COMMITMENT_KINDS, COMMITMENT_LABELS, yuan
from ...domain.stars import CRITERIA_LABELS
from ...domain.time import local_date
from ...extensions import db
from ...models import Shop, utcnow
from ...services import board, fund, warnings
from ..scope import current_street_or_none
from ..urls import street_args
from . import bp, street_route

OWNERSHIP_LABELS = {"state": _l("国有企业"), "collective": _l("集体企业"), "private": _l("私营企业"),
                    "individual": _l("个体工商户")}


def now():
    """The current instant (tests replace this)."""
    return utcnow()


@street_route("/", endpoint="index")
def board_index():
    street = current_street_or_none()
    if street is None:
        return render_template("public/index.html", street=None)
    q = (request.args.get("q") or "")[:60]
    page = request.args.get("page", 1, type=query_int) or 1
    commit = request.args.get("commit") if request.args.get("commit") in COMMITMENT_KINDS else None
    at = now()
    today = local_date(at, street.timezone)
    # Statistics and shop lists change slowly: rendered sections are kept briefly per process (board.cached).
    # B704 reviewed: Markup wraps our own autoescaped template output, never request text.
    stats_html = board.cached(("stats", street.id, str(get_locale())), lambda: Markup(render_template(  # nosec B704
        "public/board_stats.html", stats=board.street_stats(street, at))))
    shops_html = board.cached(("shops", street.id, q, page, commit, today, str(get_locale())), lambda: Markup(  # nosec B704
        render_template("public/board_shops.html", board=board.board_page(street, q, page, commit=commit,
                                                                          today=today))))
    return render_template("public/index.html", street=street, shops_html=shops_html,
                           warnings=warnings.current_warnings(street, at), stats_html=stats_html,
                           fund=fund.totals(street.id))


@street_route("/shops/<int:shop_id>")
def shop(shop_id: int):
    shop = db.session.get(Shop, shop_id)
    if shop is None:
        abort(404)
    street = current_street_or_none()
    if street is None or shop.street_id != street.id:
        # A shop is shown on its own street's pages; a link or QR naming another street is sent there.
        return redirect(url_for("public.shop", shop_id=shop.id, **street_args(shop.street)))
    if shop.opened_on is not None and shop.opened_on > local_date(now(), shop.street.timezone):
        abort(404)  # not yet open: never published (issue 17)
    info = board.shop_public(shop, now())
    return render_template("public/shop.html", info=info, shop=shop, ownership=OWNERSHIP_LABELS,
                           criteria=CRITERIA_LABELS, commitment_labels=COMMITMENT_LABELS, yuan=yuan)


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links; answer with the static icon."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)
