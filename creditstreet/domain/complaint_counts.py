"""What one complaint adds to its street's day counts (SPEC W2, §13 P4, Y3): one definition of each figure.

The complaint statistics (W2, the admin's page), the board's headline and monthly table and the
city page count with ``contribution``: the figures of a period are the sums of its complaints'
contributions. A shop's own figures (its page, the open data per shop) are few rows and are counted
in SQL with the same definitions (``services.disclosure.counted``/``aggregates``; a test compares). Two families, because W2 and P4 define "received" differently:

- W2 (all complaints): ``complaints`` received (kind complaint), ``accepted`` (accepted at some
  point), ``mediated`` (closed with agreement or no agreement), ``success`` (agreement),
  ``recovered_fen`` (money recovered, fen), ``reports`` (reports, or complaints carrying one),
  ``inquiries``;
- P4 (``counted``: complaints not refused as outside the office's remit): ``counted``, ``closed``
  (with an outcome), ``p_mediated``, ``agreed``, ``settled`` (settled by the shop, M2),
  ``p_recovered_fen`` (money recovered on the closed ones).

Pure: a mapping of the complaint's fields in, a tuple of integers in ``COLUMNS`` order out.
"""
from __future__ import annotations

from collections.abc import Mapping

COLUMNS = ("complaints", "accepted", "mediated", "success", "recovered_fen", "reports", "inquiries",
           "counted", "closed", "p_mediated", "agreed", "settled", "p_recovered_fen")
#: The complaint fields ``contribution`` reads (besides street, receipt instant and goods category).
FIELDS = ("kind", "carries_report", "status", "refusal_reason", "outcome", "accepted_at", "money_recovered_fen")
ZERO = (0,) * len(COLUMNS)
MEDIATED = ("agreement", "no_agreement")
SETTLED_BY_SHOP = "settled_by_shop"


def contribution(c: Mapping) -> tuple[int, ...]:
    """The complaint's counts in ``COLUMNS`` order (each 0 or 1, money in fen)."""
    kind, outcome = c["kind"], c["outcome"]
    money = int(c["money_recovered_fen"] or 0)
    is_c = kind == "complaint"
    counted = is_c and not (c["status"] == "refused" and c["refusal_reason"] == "outside_remit")
    closed = counted and outcome is not None
    return (
        int(is_c), int(is_c and c["accepted_at"] is not None), int(is_c and outcome in MEDIATED),
        int(is_c and outcome == "agreement"), money if is_c else 0,
        int(kind == "report" or bool(c["carries_report"])), int(kind == "inquiry"),
        int(counted), int(closed), int(counted and outcome in MEDIATED), int(counted and outcome == "agreement"),
        int(counted and outcome == SETTLED_BY_SHOP), money if closed else 0,
    )


def add(a: tuple[int, ...], b: tuple[int, ...], sign: int = 1) -> tuple[int, ...]:
    """a + sign·b, column by column."""
    return tuple(x + sign * y for x, y in zip(a, b))
