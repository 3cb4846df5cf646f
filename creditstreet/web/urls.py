"""Absolute public URLs for printed QR codes (plaques, licence marks, card sheets).

``PUBLIC_BASE_URL`` (scheme + host, e.g. ``https://xfmyj.example.gov.cn``) wins when set; when it
is unset the URL is built from the current request (``url_for(..., _external=True)``), which
honours ProxyFix's X-Forwarded-Proto/Host behind a reverse proxy. Never a loopback default.
"""
from flask import current_app, has_request_context, request, url_for
from flask_babel import gettext as _


def public_base_url() -> str:
    """The base (no trailing slash) printed QR codes point at."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    return base.rstrip("/") if base else request.host_url.rstrip("/")


def public_url(endpoint: str, **values) -> str:
    """Absolute URL of ``endpoint`` for printing: PUBLIC_BASE_URL + path, else from the request."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def print_base_note() -> str | None:
    """What a print page says while ``PUBLIC_BASE_URL`` is unset: the base its QR codes encode
    (e.g. ``http://127.0.0.1:5000`` on the development server), so nobody prints it by mistake.
    None when it is set (issue 17)."""
    if current_app.config.get("PUBLIC_BASE_URL") or not has_request_context():
        return None
    return _("注意：未设置 PUBLIC_BASE_URL，本页二维码指向 %(base)s/…，只能在本机或本网络打开；"
             "正式印制前请设置公示页的正式地址（见 README“Production”）。", base=public_base_url())


def warn_if_unset(app) -> None:
    """Production: log a warning when PUBLIC_BASE_URL is unset (QR codes then follow the request host)."""
    if app.config.get("PRODUCTION") and not app.config.get("PUBLIC_BASE_URL"):
        app.logger.warning("PUBLIC_BASE_URL 未设置：打印的二维码将使用当前请求的地址；"
                           "生产环境请设置为公示页的正式地址，如 https://xfmyj.example.gov.cn")


def street_args(street) -> dict:
    """URL values that put a public page on ``street``: none for the default street (short URLs)."""
    return {"street": None if street is None or street.is_default else street.slug}


def shop_url(shop) -> str:
    """The absolute public URL of a shop's page, on its own street (plaques, licence marks, signs)."""
    return public_url("public.shop", shop_id=shop.id, **street_args(shop.street))
