"""The printable commitment sign (SPEC §13 P1): A5, Simplified-Chinese font, a full QR code to the shop's page."""
from __future__ import annotations

from flask import render_template

from ..domain import promises as rules
from ..models import Commitment
from .awards import qr_svg_data_uri, render_pdf


def sign_pdf(c: Commitment, shop_url: str) -> bytes:
    """PDF bytes of the A5 sign for an approved commitment; ``shop_url`` is the absolute public URL
    the QR code encodes (``web.urls.public_url``). segno makes a full QR code (never Micro QR)."""
    shop = c.shop
    html = render_template("pdf/commitment_sign.html", c=c, shop=shop, street=shop.street,
                           label=rules.COMMITMENT_LABELS[c.kind], qr=qr_svg_data_uri(shop_url), url=shop_url)
    return render_pdf(html).write_pdf()
