"""Street slugs (SPEC Y1): the short name a street's public pages live under, ``/s/<slug>/``."""
import re

from .errors import ValidationError
from .i18n import Msg, N_

#: Lower-case ASCII letters and digits, hyphens inside, 1–40 characters: safe in a URL and on a QR.
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")

#: Slugs that would shadow the site's own paths if streets ever moved to the top level.
RESERVED = frozenset({"admin", "api", "auth", "inspector", "supervisor", "static", "s", "streets",
                      "shops", "track", "cards", "complaints", "open-data", "merchant"})


def check_slug(raw: object) -> str:
    """The slug as stored: trimmed and lower-cased; ValidationError (Chinese) when unusable."""
    slug = str(raw or "").strip().lower()
    if not SLUG_RE.match(slug):
        raise ValidationError("街道简称只能使用小写字母、数字和连字符（1–40个字符，不以连字符开头或结尾）",
                              code="street_slug")
    if slug in RESERVED:
        raise ValidationError(Msg(N_("街道简称“%(slug)s”是系统保留字，请换一个"), slug=slug), code="street_slug_reserved")
    return slug


def fallback_slug(street_id: int) -> str:
    """The slug given to a street created without one: ``s`` + its id (``s12``), always valid."""
    return f"s{street_id}"
