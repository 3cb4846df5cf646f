"""Template filters: masking personal data, yuan from fen, local times, stars."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g


def yuan(fen: int | None) -> str:
    """Format integer fen as yuan with two decimals: 2800 → "28.00"."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def local_time(instant: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Show a UTC instant in the street's time zone."""
    if instant is None:
        return ""
    return instant.astimezone(ZoneInfo(current_app.config["STREET_TIMEZONE"])).strftime(fmt)


def stars_text(stars: int | None) -> str:
    if stars is None:
        return "待评定"
    return "★" * stars + "☆" * (4 - stars)


def quarter_label(quarter) -> str:
    """A quarter (``Quarter`` or "2026Q3") in the reader's language: 2026年第3季度 / Q3 2026."""
    from flask_babel import gettext

    from ..domain.time import Quarter

    q = quarter if isinstance(quarter, Quarter) else Quarter.parse(str(quarter))
    return gettext("%(year)s年第%(q)s季度", year=q.year, q=q.q)


def tr(text):
    """A text in the reader's language: a ``domain.i18n.Msg`` is re-rendered from its pattern (its
    label values translated, lists joined by the translated "、"), unless its whole Chinese text has a
    catalog entry of its own; anything else is shown as it is."""
    from flask_babel import gettext

    from ..domain.i18n import Msg

    def value(v):
        if isinstance(v, (list, tuple)):
            return gettext("、").join(str(value(x)) for x in v)
        return tr(v)

    if not isinstance(text, Msg):
        return text
    if not text.values:
        return gettext(text.pattern)
    whole = gettext(str(text))  # a text made from a pattern that also has its own entry keeps that
    if whole != text:           # wording ("请填写事情经过": "Please describe what happened")
        return whole
    return gettext(text.pattern, **{k: value(v) for k, v in text.values.items()})


def goods_category(value):
    """A goods category in the reader's language when it is one of the complaint form's fixed list
    (``services.complaints.GOODS_CATEGORIES``, translated where the form lists them); anything
    else (older free text, "") as stored."""
    from flask_babel import gettext

    from ..services.complaints import GOODS_CATEGORIES

    return gettext(value) if value in GOODS_CATEGORIES else value


def register_filters(app: Flask) -> None:
    from ..domain import text

    app.add_template_filter(yuan)
    app.add_template_filter(local_time)
    app.add_template_filter(stars_text)
    app.add_template_filter(quarter_label)
    app.add_template_filter(tr)
    app.add_template_filter(goods_category)
    app.add_template_filter(text.mask_phone, "mask_phone")
    app.add_template_filter(text.mask_name, "mask_name")
    app.add_template_filter(text.mask_contacts_in_text, "mask_text")
    from .urls import print_base_note

    app.jinja_env.globals["print_base_note"] = print_base_note  # also inside imported macros

    @app.context_processor
    def _globals():
        from flask_babel import get_locale

        return {"redisplay_message": g.get("redisplay_message"), "get_locale": get_locale}
