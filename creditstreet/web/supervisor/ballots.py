"""Voting screens: the open quarter, one shop per screen, own ballots only (SPEC S1, CASES K-07)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...domain.errors import DomainError
from ...domain.stars import CRITERIA
from ...extensions import db
from ...models import Ballot, Shop, utcnow
from ...services import ballots
from ..roles import keeps_input
from ..scope import committing, current_street_or_none, get_or_404
from . import bp
from .forms import VoteForm


def now():
    """The current instant (tests replace this to stand inside or outside a ballot window)."""
    return utcnow()


def _closed_message(at) -> str:
    """``services.ballots.closed_message`` in the reader's language (same window dates)."""
    from ...domain.time import quarter_of
    from ...services.settings import rule_settings

    first, last = ballots.window_dates(quarter_of(at, rule_settings().timezone))
    return _(ballots.CLOSED_MESSAGE, first=first.isoformat(), last=last.isoformat())


def _home_context():
    at = now()
    quarter = ballots.open_quarter(at)
    street = current_street_or_none()
    done, todo = ballots.ballot_progress(current_user, quarter, street.id if street else None) if quarter else (0, 0)
    window = ballots.window_dates(quarter) if quarter else None
    query = (request.args.get("q") or "").strip()[:40]
    street_id = street.id if street else None
    found = ballots.find_ballot_shops(current_user, quarter, query, street_id) if quarter and query else []
    return dict(quarter=quarter, todo=todo, done=done, window=window, query=query, found=found, street_id=street_id,
                closed_message=None if quarter else _closed_message(at))


@bp.route("/vote")
def vote_next():
    """The first shop still to vote on; with ``after=<shop id>`` the next one after it (skip)."""
    ctx = _home_context()
    if ctx["quarter"] is None:
        flash(ctx["closed_message"], "warning")
        return redirect(url_for("supervisor.home"))
    after = request.args.get("after", type=int)
    shop = ballots.next_to_vote(current_user, ctx["quarter"], after, ctx["street_id"])
    if shop is None and not ctx["todo"]:
        flash(_("本季度所有商户都已投票，谢谢！"), "success")
        return redirect(url_for("supervisor.home"))
    if shop is None:  # the skipped shop is the only one left
        flash(_("没有其他待投票的商户了"), "info")
        return redirect(url_for("supervisor.vote", shop_id=after))
    return redirect(url_for("supervisor.vote", shop_id=shop.id))


@bp.route("/vote/<int:shop_id>", methods=["GET", "POST"])
@keeps_input
def vote(shop_id: int):
    shop = get_or_404(Shop, shop_id)  # a street supervisor votes on the own street; a city-wide one on any
    ctx = _home_context()
    quarter = ctx["quarter"]
    if quarter is not None and not ballots.on_ballot_list(shop, quarter):
        abort(404)  # not in business in the quarter (SPEC G1), or closed: not on the ballot list
    existing = None
    if quarter is not None:
        existing = db.session.scalar(db.select(Ballot).filter_by(
            supervisor_id=current_user.id, shop_id=shop.id, quarter=str(quarter)))
    blocked = shop.id in ballots.conflict_shop_ids(current_user.id)
    form = VoteForm()
    if request.method == "POST" and (quarter is None or blocked):
        # Refused before the form is read: the page shows the one refusal (window dates or the
        # declared conflict) and no voting form, exactly as on GET; missing marks are beside the point.
        return render_template("supervisor/vote.html", form=form, shop=shop, existing=existing,
                               blocked=blocked, **ctx), 400
    if request.method == "GET" and existing is not None:
        for c in CRITERIA:
            getattr(form, c).data = "1" if getattr(existing, c) else "0"
    if form.validate_on_submit():
        with committing() as done:
            if quarter is None:
                raise DomainError(ctx["closed_message"], code="ballot_window_closed")
            ballots.cast_ballot(current_user, shop, quarter, {c: getattr(form, c).data for c in CRITERIA}, now())
        if not done.ok:
            return render_template("supervisor/vote.html", form=form, shop=shop, existing=existing,
                                   blocked=blocked, **ctx), 400
        flash(_("已保存对%(shop)s的投票", shop=shop.name), "success")
        following = ballots.next_to_vote(current_user, quarter, shop.id, ctx["street_id"])
        if following is not None:
            return redirect(url_for("supervisor.vote", shop_id=following.id))
        flash(_("本季度所有商户都已投票，谢谢！"), "success")
        return redirect(url_for("supervisor.home"))
    if request.method == "POST" and form.errors and not form.csrf_token.errors:
        flash(_("请为每一项选择“是”或“否”"), "danger")
    return render_template("supervisor/vote.html", form=form, shop=shop, existing=existing,
                           blocked=blocked, **ctx)


@bp.route("/ballots")
def my_ballots():
    page = ballots.own_ballots(current_user, request.args.get("page", type=int))
    return render_template("supervisor/ballots.html", rows=page.items, page=page, criteria=CRITERIA)
