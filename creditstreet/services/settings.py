"""Rule settings and the working-day calendar as stored by admins (SPEC "default" values, §3).

``rule_settings()`` returns the domain's RuleSettings built from the ``settings`` table over
SPEC's defaults (the city defaults); ``rule_settings(street_id)`` lays that street's overrides
(``street_settings``, SPEC Y2) over them for the keys a street may override (``STREET_KEYS``); ``work_calendar()`` returns a WorkCalendar with the admin's extra holidays and
make-up working days. Changing a setting bumps the settings version stored on every grade (G3).
"""
from datetime import date
from functools import lru_cache

from sqlalchemy import Date, Integer, bindparam, cast, literal, null, select, text, union_all

from ..domain.settings import RuleSettings
from ..domain.workdays import WorkCalendar
from ..extensions import db
from ..models import CalendarDay, CalendarYear, Setting, Street, StreetSetting, User
from . import audit, sql

#: Settings a street may override (SPEC Y2): the complaint-handling clocks and windows, which are
#: read where one street's complaint is filed, handled, tracked or paid out (services.complaints,
#: services.fund). Star and grade rules stay city-wide, so every street is graded alike.
STREET_KEYS = ("accept_deadline_workdays", "mediation_deadline_workdays", "report_deadline_workdays",
               "report_extension_workdays", "report_max_extensions", "confirm_window_days",
               "fund_payout_workdays")


def rule_settings(street_id: int | None = None) -> RuleSettings:
    """The settings in force: stored values over SPEC defaults, and ``street_id``'s overrides of
    ``STREET_KEYS`` over those (SPEC Y2); ``version`` = 1 + the sum of the stored rows' versions.
    One statement, prepared once (issue 18: every intake reads it inside its write transaction);
    the parsing is memoised on the rows read (RuleSettings is immutable)."""
    if street_id is None:
        rows = _read(_CITY_SETTINGS)
    else:  # a street's rows come last, so they win in _settings_from_rows
        rows = [(k, v, n) for k, v, n, own in _read(_STREET_SETTINGS, {"street_id": street_id})
                if not own or k in STREET_KEYS]
    return _settings_from_rows(tuple((k, v, n) for k, v, n in rows))


def _read(stmt, params: dict | None = None) -> list:
    return sql.run(stmt, params).all()


_CITY_SETTINGS = select(Setting.key, Setting.value, Setting.version).order_by(Setting.key)
_STREET_SETTINGS = union_all(
    select(Setting.key, Setting.value, Setting.version, literal(0).label("own")),
    select(StreetSetting.key, StreetSetting.value, StreetSetting.version, literal(1))
    .where(StreetSetting.street_id == bindparam("street_id")),
).order_by(text("own"), text("key"))


@lru_cache(maxsize=64)
def _settings_from_rows(rows: tuple[tuple[str, str, int], ...]) -> RuleSettings:
    data = {k: v for k, v, _ in rows}
    data["version"] = str(1 + sum(n or 0 for _, _, n in rows))
    return RuleSettings.from_stored(data)  # a value stored before the ranges existed → default


def street_overrides(street_id: int) -> dict[str, str]:
    """{key: value} of the street's own settings (absent keys follow the city default)."""
    return dict(db.session.execute(select(StreetSetting.key, StreetSetting.value)
                                   .where(StreetSetting.street_id == street_id)).all())


def update_street_settings(actor: User | None, street: Street, changes: dict[str, str | None]) -> RuleSettings:
    """Set (a value) or clear (None or "") a street's overrides of ``STREET_KEYS`` (SPEC Y2).

    The whole set as the street would see it is validated first (ValidationError, Chinese message,
    ``errors`` per field); each change is audited. Returns the street's settings in force.
    """
    from ..domain.errors import ValidationError
    from ..domain.i18n import Msg, N_

    bad = [k for k in changes if k not in STREET_KEYS]
    if bad:
        raise ValidationError(Msg(N_("这些设置不能按商业街单独设置：%(bad)s"), bad=list(bad)), code="not_street_setting")
    city = rule_settings().to_mapping()
    own = street_overrides(street.id)
    merged = {**city, **own}
    for key, value in changes.items():
        merged[key] = str(value) if value not in (None, "") else city[key]
    RuleSettings.from_mapping(merged)  # validate before writing anything
    for key, value in changes.items():
        row = db.session.get(StreetSetting, (street.id, key))
        before = {"value": row.value} if row else None
        if value in (None, ""):
            if row is not None:
                db.session.delete(row)
                audit.record(actor, "street_setting.clear", "street", street.id, {key: before["value"]}, None)
            continue
        if row is not None and row.value == str(value):
            continue
        if row is None:
            db.session.add(StreetSetting(street_id=street.id, key=key, value=str(value),
                                         updated_by=actor.id if actor else None))
        else:
            row.value, row.version = str(value), row.version + 1
            row.updated_by = actor.id if actor else None
        audit.record(actor, "street_setting.update", "street", street.id, {key: before["value"] if before else None},
                     {key: str(value)})
    db.session.flush()
    return rule_settings(street.id)


def update_settings(actor: User | None, changes: dict[str, str]) -> RuleSettings:
    """Store changed settings after validating the whole set (ValidationError, Chinese message)."""
    current = rule_settings().to_mapping()
    merged = {**current, **{k: str(v) for k, v in changes.items()}}
    RuleSettings.from_mapping(merged)  # validate everything before writing anything
    for key, value in changes.items():
        if key not in current or key == "version" or str(current[key]) == str(value):
            continue
        row = db.session.get(Setting, key)
        before = {"value": row.value if row else current[key]}
        if row is None:
            row = Setting(key=key, value=str(value), version=1, updated_by=actor.id if actor else None)
            db.session.add(row)
        else:
            row.value = str(value)
            row.version += 1
            row.updated_by = actor.id if actor else None
        audit.record(actor, "setting.update", "setting", key, before, {"value": str(value)})
    db.session.flush()
    return rule_settings()


def work_calendar() -> WorkCalendar:
    """China's statutory calendar (chinese-calendar) plus the admin's extra days (SPEC §3).
    One statement (the extra days and the office's years); memoised per distinct content."""
    from flask import current_app, has_app_context

    rows = _read(_CALENDAR)
    until = current_app.config.get("WORKDAYS_LIBRARY_UNTIL") if has_app_context() else None
    return _calendar_from_rows(tuple((d, k) for k, d, _ in rows if k != "year"),
                               tuple(y for k, _, y in rows if k == "year"), int(until) if until else None)


_CALENDAR = union_all(
    select(CalendarDay.kind, CalendarDay.day, cast(null(), Integer).label("year")),
    select(literal("year"), cast(null(), Date), CalendarYear.year),
).order_by(text("year"), text("day"))


@lru_cache(maxsize=64)
def _calendar_from_rows(rows: tuple[tuple[date, str], ...], years: tuple[int, ...],
                        until: int | None) -> WorkCalendar:
    """WorkCalendar is immutable: one per distinct table content, shared by the requests."""
    return WorkCalendar(
        extra_holidays={d for d, k in rows if k == "holiday"},
        extra_workdays={d for d, k in rows if k == "workday"},
        office_years=set(years),
        library_until=until,
    )


def set_calendar_day(actor: User | None, day: date, kind: str | None, note: str = "") -> None:
    """Mark ``day`` as an extra holiday or working day (kind "holiday"/"workday"), or clear it (None)."""
    row = db.session.get(CalendarDay, day)
    before = {"kind": row.kind} if row else None
    if kind is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(CalendarDay(day=day, kind=kind, note=note))
    else:
        row.kind, row.note = kind, note
    db.session.flush()
    audit.record(actor, "calendar.set", "calendar_day", day.isoformat(), before, {"kind": kind, "note": note})
