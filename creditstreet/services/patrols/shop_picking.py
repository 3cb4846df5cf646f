"""Before a visit: expired licences flagged, the shops nearest a house number."""
from __future__ import annotations

from datetime import date

from ...domain import patrols as rules
from ...domain.errors import ValidationError
from ...domain.text import clean_text
from ...models import Shop


def licence_flags(shops, today: date) -> dict[int, str]:
    """Shops whose licence expired before ``today`` (street-local date), flagged before a visit.

    Returns shop id → Chinese message. A shop with ``licence_no_expiry`` or no expiry date is
    not flagged; a licence is still valid on its expiry day.
    """
    flags = {}
    for shop in shops:
        reason = known_failures(shop, today).get("licence")
        if reason:
            flags[shop.id] = reason
    return flags


def known_failures(shop: Shop, today: date) -> dict[str, str]:
    """The checklist items ``shop`` is known to fail on ``today`` (street-local date): item →
    Chinese reason (``domain.patrols.known_failures``: an expired licence fails item 1)."""
    return rules.known_failures(shop.licence_expires_on, bool(shop.licence_no_expiry), today)


def house_number_value(text: str) -> int | None:
    """The first run of digits in a house number ("128号" → 128, "东18-2" → 18); None if none."""
    digits = ""
    for ch in clean_text(text):
        if ch.isascii() and ch.isdigit():
            digits += ch
        elif digits:
            break
    return int(digits) if digits else None


def nearest_shops(shops, house_number: str, limit: int = 10) -> list[Shop]:
    """Shops sorted by numeric distance of their house number to ``house_number`` (unnumbered last)."""
    target = house_number_value(house_number)
    if target is None:
        raise ValidationError("请输入门牌号中的数字，如 128", code="bad_house_number")

    def distance(shop):
        n = house_number_value(shop.house_number)
        return (n is None, abs(n - target) if n is not None else 0, shop.house_number, shop.id)

    return sorted(shops, key=distance)[:limit]
