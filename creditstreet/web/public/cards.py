"""Public verification of a quality credit card by its serial (SPEC C3)."""
from flask import render_template, request

from ...domain.errors import DomainError
from ...extensions import limiter
from ...services import cards
from ..scope import shown_message
from . import street_route

#: Serials are sequential: a consumer checks a few cards, a script would walk a printed range.
VERIFY_LIMIT = "30 per minute; 300 per hour"


@street_route("/cards/verify")
@limiter.limit(VERIFY_LIMIT)
def card_verify():
    raw = request.args.get("serial", "")
    result, error = None, None
    if raw.strip():
        try:
            result = cards.verify(cards.parse_serial(raw))
        except DomainError as e:
            error = shown_message(e.message)
    return render_template("public/card_verify.html", raw=raw, result=result, error=error,
                           fmt=cards.fmt_serial)
