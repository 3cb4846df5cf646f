"""Supervisors' quarterly ballots and declared conflicts (SPEC S1–S2, A1, CASES K-07, K-08).

Which quarter is "open" at an instant: the quarter whose ballot window [end − 15 d, end + 10 d)
(street zone, settings ``ballot_open_days_before_end`` / ``ballot_close_days_after_end``)
contains it. Between day −15 and the quarter end that is the ending quarter; during the 10 days
after the end it is still the quarter just ended (the new quarter's window opens only 15 days
before *its* end). Outside every window voting is refused with the current quarter's dates.
"""
import dataclasses
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from ..domain.errors import ValidationError
from ..domain.i18n import Msg, N_
from ..domain.settings import RuleSettings
from ..domain.ledger import house_search_token
from ..domain.stars import CRITERIA, CRITERIA_LABELS, ballot_quarter_at, ballot_window
from ..domain.text import search_key
from ..domain.time import Quarter, quarter_of, to_local
from ..extensions import db
from ..models import Ballot, Shop, Street, SupervisorConflict, User
from ..models.ballot_tallies import count_cast
from . import audit, grade_batch
from .settings import rule_settings

MARK_FIELDS = ("quarter", "lawful", "service", "compliance", "honesty")


def open_quarter(now: datetime, settings: RuleSettings | None = None) -> Quarter | None:
    """The quarter whose ballot window is open at ``now`` (UTC instant), or None (SPEC S1)."""
    return ballot_quarter_at(now, settings or rule_settings())


def window_dates(quarter: Quarter | str, settings: RuleSettings | None = None) -> tuple:
    """First and last local day of ``quarter``'s ballot window (both included)."""
    settings = settings or rule_settings()
    start, end = ballot_window(quarter, settings)
    return (to_local(start, settings.timezone).date(),
            (to_local(end, settings.timezone) - timedelta(days=1)).date())


#: The refusal outside the ballot window (the web layer translates it with the same dates).
CLOSED_MESSAGE = N_("现在不在投票时间内。本季度投票时间为 %(first)s 至 %(last)s")


def closed_message(now: datetime, settings: RuleSettings | None = None) -> str:
    """Chinese refusal naming the current quarter's window, e.g. 本季度投票时间为 2026-12-17 至 2027-01-10."""
    settings = settings or rule_settings()
    first, last = window_dates(quarter_of(now, settings.timezone), settings)
    return CLOSED_MESSAGE % {"first": first.isoformat(), "last": last.isoformat()}


def conflict_shop_ids(supervisor_id: int) -> set[int]:
    return set(db.session.scalars(
        select(SupervisorConflict.shop_id).where(SupervisorConflict.supervisor_id == supervisor_id)))


def in_business_in(street: Street, quarter: Quarter | str):
    """SQL condition: the street's shops on the ballot list of ``quarter`` — those graded at its end
    (SPEC G1, ``grade_batch.graded_shops``): active, and opened by the quarter's last day (or, with no
    opening date, entered before its end). A shop opening after the quarter is not on it."""
    quarter = Quarter.parse(quarter)
    return grade_batch.graded_shops(street.id, quarter.end_utc(street.timezone), street.timezone)


def on_ballot_list(shop: Shop, quarter: Quarter | str) -> bool:
    """Whether ``shop`` is on its street's ballot list of ``quarter`` (``in_business_in``)."""
    street = db.session.get(Street, shop.street_id)
    return db.session.scalar(select(Shop.id).where(Shop.id == shop.id, in_business_in(street, quarter))) is not None


def shops_to_vote(supervisor: User, quarter: Quarter | str,
                  street_id: int | None = None) -> tuple[list[Shop], list[Shop]]:
    """(to do, done) in house-number order: the shops of the supervisor's street in business in
    ``quarter`` (``in_business_in``), conflicts left out (SPEC S1).

    A city-wide supervisor (no street, S2/Y2) votes on any street: ``street_id`` says which.
    """
    street_id = supervisor.street_id if supervisor.street_id is not None else street_id
    voted = set(db.session.scalars(select(Ballot.shop_id).where(
        Ballot.supervisor_id == supervisor.id, Ballot.quarter == str(quarter))))
    blocked = conflict_shop_ids(supervisor.id)
    street = db.session.get(Street, street_id) if street_id is not None else None
    if street is None:
        return [], []
    shops = db.session.scalars(select(Shop).where(in_business_in(street, quarter))
                               .order_by(Shop.house_sort, Shop.id))
    todo, done = [], []
    for shop in shops:
        if shop.id in blocked:
            continue
        (done if shop.id in voted else todo).append(shop)
    return todo, done


def _ballot_list(supervisor: User, quarter: Quarter | str, street_id: int | None):
    """(street, SQL condition on shops, SQL "voted" test): the supervisor's ballot list of ``quarter``
    (``shops_to_vote``'s, conflicts left out) — (None, None, None) without a street. Read on the
    index in house order, so a 50,000-shop street is never loaded whole (SPEC Y3)."""
    street_id = supervisor.street_id if supervisor.street_id is not None else street_id
    street = db.session.get(Street, street_id) if street_id is not None else None
    if street is None:
        return None, None, None
    blocked = select(SupervisorConflict.shop_id).where(SupervisorConflict.supervisor_id == supervisor.id)
    listed = and_(in_business_in(street, quarter), Shop.id.not_in(blocked))
    voted = select(Ballot.id).where(Ballot.supervisor_id == supervisor.id, Ballot.shop_id == Shop.id,
                                    Ballot.quarter == str(quarter)).exists()
    return street, listed, voted


def ballot_progress(supervisor: User, quarter: Quarter | str, street_id: int | None = None) -> tuple[int, int]:
    """(voted, still to vote) on the supervisor's ballot list of ``quarter`` (counts of ``shops_to_vote``)."""
    street, listed, voted = _ballot_list(supervisor, quarter, street_id)
    if street is None:
        return 0, 0
    done, total = db.session.execute(select(func.count(Shop.id).filter(voted), func.count(Shop.id))
                                     .where(listed)).one()
    return done or 0, (total or 0) - (done or 0)


def next_to_vote(supervisor: User, quarter: Quarter | str, after: int | None = None,
                 street_id: int | None = None) -> Shop | None:
    """The next shop still to vote on after shop ``after`` in house-number order, wrapping round to
    the start; never ``after`` itself (skipping it). None when nothing else is left."""
    street, listed, voted = _ballot_list(supervisor, quarter, street_id)
    if street is None:
        return None
    pending = select(Shop).where(listed, ~voted).order_by(Shop.house_sort, Shop.id).limit(1)
    here = db.session.get(Shop, after) if after is not None else None
    if here is not None and here.street_id == street.id:
        later = or_(Shop.house_sort > here.house_sort, and_(Shop.house_sort == here.house_sort, Shop.id > here.id))
        found = db.session.scalar(pending.where(later))
        if found is not None:
            return found
        return db.session.scalar(pending.where(Shop.id != here.id))  # wrap round to the start
    return db.session.scalar(pending)


#: At most this many shops answer a ballot search (a longer list is refined by typing more).
FIND_LIMIT = 50


def find_ballot_shops(supervisor: User, quarter: Quarter | str, query: object,
                      street_id: int | None = None) -> list[tuple[Shop, bool]]:
    """Shops of the ballot list matching ``query`` by name (traditional or simplified, spaces
    ignored, CASES K-11) or house number ("10", "10号": exactly that number); (shop, voted) pairs
    in house-number order, at most FIND_LIMIT. An empty query finds nothing."""
    key = search_key(query)
    if not key:
        return []
    street, listed, voted = _ballot_list(supervisor, quarter, street_id)
    if street is None:
        return []
    house = house_search_token(query)
    match = Shop.search_key.contains(key, autoescape=True)
    if house is not None:
        match = or_(match, Shop.house_sort.contains(house, autoescape=True))
    rows = db.session.execute(select(Shop, voted).where(listed, match).order_by(Shop.house_sort, Shop.id)
                              .limit(FIND_LIMIT))
    return [(shop, bool(v)) for shop, v in rows]


def own_ballots(supervisor: User, page: int | None = 1):
    """One page (``services.paging.Page`` of (Ballot, Shop), 50) of the supervisor's own ballots,
    newest quarter first, then as cast (a supervisor sees only these; SPEC Y3: on the index
    ``ix_ballots_supervisor_quarter``, so years of ballots never load whole)."""
    from .paging import paginate

    ids = paginate(select(Ballot).where(Ballot.supervisor_id == supervisor.id)
                   .order_by(Ballot.quarter.desc(), Ballot.id.desc()), page, key=Ballot.id)
    shops = {s.id: s for s in db.session.scalars(
        select(Shop).where(Shop.id.in_({b.shop_id for b in ids.items})))} if ids.items else {}
    return dataclasses.replace(ids, items=[(b, shops[b.shop_id]) for b in ids.items])


def parse_marks(raw: dict) -> dict[str, bool]:
    """Marks from form values "1"/"0" (or booleans); ValidationError naming a missing criterion."""
    marks = {}
    for c in CRITERIA:
        value = raw.get(c)
        if value in (True, "1", "yes", "y"):
            marks[c] = True
        elif value in (False, "0", "no", "n"):
            marks[c] = False
        else:
            raise ValidationError(Msg(N_("请选择“%(criteria)s”是或否"),
                                      criteria=Msg(CRITERIA_LABELS[c])), code="mark_missing")
    return marks


def cast_ballot(actor: User, shop: Shop, quarter: Quarter | str, marks: dict, now: datetime) -> Ballot:
    """Cast or replace ``actor``'s ballot on ``shop`` for ``quarter`` (SPEC S1; CASES K-07, K-08).

    One row per (supervisor, shop, quarter): the first vote inserts, a later one (also a
    concurrent one) updates; the audit log keeps every version. Raises ValidationError when the
    actor is not an enabled supervisor of the shop's street, the window is closed, the shop is
    closed, or a conflict of interest is declared.
    """
    settings = rule_settings()
    quarter = Quarter.parse(quarter)
    marks = parse_marks(marks)
    if actor.role != "supervisor" or actor.street_id not in (None, shop.street_id):
        raise ValidationError("只有本街或全市的义务监督员可以投票", code="not_a_supervisor")
    if actor.disabled:
        raise ValidationError("账号已停用，不能投票", code="account_disabled")
    if open_quarter(now, settings) != quarter:
        raise ValidationError(closed_message(now, settings), code="ballot_window_closed")
    if shop.status != "active":
        raise ValidationError(Msg(N_("%(shop)s已歇业，不参加评星"), shop=shop.name), code="shop_closed")
    if not on_ballot_list(shop, quarter):
        raise ValidationError(Msg(N_("%(shop)s在%(quarter)s尚未开业，不参加本季度评星"),
                                  shop=shop.name, quarter=quarter.label_msg), code="shop_not_open")
    if db.session.scalar(select(SupervisorConflict.id).where(
            SupervisorConflict.supervisor_id == actor.id, SupervisorConflict.shop_id == shop.id)):
        raise ValidationError(Msg(N_("您已申报与%(shop)s存在利害关系，不能对其投票"), shop=shop.name), code="conflict_of_interest")

    key = {"supervisor_id": actor.id, "shop_id": shop.id, "quarter": str(quarter)}
    ballot_id = _insert_if_absent({**key, **marks, "cast_at": now, "updated_at": now})
    if ballot_id is not None:
        count_cast(db.session.connection(), {**key, **marks}, shop.street_id)  # a Core insert: tallied here
        ballot = db.session.get(Ballot, ballot_id)
        audit.record(actor, "ballot.cast", "ballot", ballot.id, None, audit.snapshot(ballot, MARK_FIELDS))
        return ballot
    # The row exists (maybe committed a moment ago by a parallel request): lock it and update.
    ballot = db.session.scalars(
        select(Ballot).filter_by(**key).with_for_update().execution_options(populate_existing=True)).one()
    before = audit.snapshot(ballot, MARK_FIELDS)
    for c, v in marks.items():
        setattr(ballot, c, v)
    ballot.updated_at = now
    db.session.flush()
    audit.record(actor, "ballot.recast", "ballot", ballot.id, before, audit.snapshot(ballot, MARK_FIELDS))
    return ballot


def _insert_if_absent(values: dict) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING; the new id, or None when the row already existed.

    On PostgreSQL a parallel uncommitted insert makes this wait for it, then do nothing, so the
    caller's SELECT … FOR UPDATE reads the committed row. Other dialects: SAVEPOINT + IntegrityError.
    """
    name = db.session.get_bind().dialect.name
    table = Ballot.__table__
    if name in ("postgresql", "sqlite"):
        if name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(table).values(**values).on_conflict_do_nothing(
            index_elements=["supervisor_id", "shop_id", "quarter"]).returning(table.c.id)
        return db.session.execute(stmt).scalar()
    try:
        with db.session.begin_nested():
            return db.session.execute(table.insert().values(**values).returning(table.c.id)).scalar()
    except IntegrityError:
        return None


# --- conflicts of interest (admin) ---------------------------------------------------------------

def declare_conflict(actor: User, supervisor: User, shop: Shop, reason: str = "") -> SupervisorConflict:
    """Record a supervisor's conflict of interest with a shop (SPEC S1); ValidationError if declared."""
    if supervisor.role != "supervisor":
        raise ValidationError("只能为义务监督员申报利害关系", code="not_a_supervisor")
    if db.session.scalar(select(SupervisorConflict.id).where(
            SupervisorConflict.supervisor_id == supervisor.id, SupervisorConflict.shop_id == shop.id)):
        raise ValidationError(Msg(N_("%(supervisor)s与%(shop)s的利害关系已申报"),
                                  supervisor=supervisor.display_name, shop=shop.name), code="conflict_exists")
    row = SupervisorConflict(supervisor_id=supervisor.id, shop_id=shop.id, reason=(reason or "").strip())
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "conflict.declare", "supervisor_conflict", row.id, None, audit.snapshot(row))
    return row


def remove_conflict(actor: User, conflict: SupervisorConflict) -> None:
    before = audit.snapshot(conflict)
    db.session.delete(conflict)
    db.session.flush()
    audit.record(actor, "conflict.remove", "supervisor_conflict", before["id"], before, None)


# Participation and review (admin) live in services/participation.py; the old names stay here.
from .participation import OUTLIER_GAP, Participation, ShopTally, outlier_criteria, participation  # noqa: E402,F401
