"""Before a visit: expired licences flagged, the shops nearest a house number."""
from __future__ import annotations

from datetime import date

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
        if shop.licence_no_expiry or shop.licence_expires_on is None:
            continue
        if shop.licence_expires_on < today:
            flags[shop.id] = f"营业执照已于{shop.licence_expires_on.isoformat()}过期"
    return flags


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
