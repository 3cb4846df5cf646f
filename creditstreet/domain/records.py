"""Register records the star and grade rules read (SPEC S3, G1, C4, K5).

Plain frozen dataclasses built by services from database rows. ``at`` is an instant
(naive = UTC; stored normalised to aware UTC). Ids are whatever the database uses
(int or str) and are echoed in reasons so a grade can cite its records (SPEC G3).
Raises ``ValidationError`` on an unknown kind or severity, or an exam score outside 0–100.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, TypeVar

from .errors import ValidationError
from .i18n import Msg, N_
from .time import TzLike, as_utc, local_date, year_window

#: Violation kinds (SPEC P1 checklist) with Chinese labels.
VIOLATION_KINDS: dict[str, str] = {
    "counterfeit": "假冒伪劣商品",
    "false_advertising": "虚假宣传",
    "price_fraud": "价格欺诈",
    "price_unmarked": "未明码标价",
    "unlicensed": "主体资格不合格或未亮证经营",
    "no_ledger": "未建进销货台帐或未索票",
    "other": "其他违法违章行为",
}
#: Kinds that cost the ``honesty`` star (SPEC S3).
HONESTY_KINDS = frozenset({"counterfeit", "false_advertising", "price_fraud"})
SEVERITIES: dict[str, str] = {"general": "一般", "serious": "严重"}
#: Bad-record kinds (SPEC glossary BadRecord, C4, K5).
BAD_RECORD_KINDS: dict[str, str] = {
    "yellow_card": "黄牌警告",
    "complaint_at_fault": "投诉中经查商家有责",
    "refused_mediation": "拒绝调解",
}


def summary_of(text: str | None, limit: int = 40) -> str:
    """A record's description as a one-line summary for its reason (SPEC G3).

    Each line break (CR LF as typed in a browser's text box, or a lone CR or LF) and each tab
    becomes one space, outer spaces are trimmed, and a text longer than ``limit`` characters
    keeps its first ``limit − 1`` and ends in "…". Each record stores the result in its reason text
    when written (``violation_tail`` / ``bad_record_tail``; models/patrol.py).
    """
    text = (text or "").replace("\r\n", " ").replace("\r", " ").replace("\n", " ").replace("\t", " ").strip(" ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def violation_tail(severity: str, kind: str, summary: str = "") -> str:
    """A violation's reason text after its date (SPEC G3): " 一般违法违章：虚假宣传（巡查发现）".

    ``summary`` is already one line (``summary_of``). Raises ValidationError on an unknown severity
    or kind. Stored with each violation when it is written (models/patrol.py), so the set-based
    grading copies it instead of building it.
    """
    if severity not in SEVERITIES:
        raise ValidationError(Msg(N_("违法违章的严重程度“%(severity)s”无效"), severity=severity), code="bad_severity")
    if kind not in VIOLATION_KINDS:
        raise ValidationError(Msg(N_("违法违章的类别“%(kind)s”无效"), kind=kind), code="bad_violation_kind")
    return f" {SEVERITIES[severity]}违法违章：{VIOLATION_KINDS[kind]}" + (f"（{summary}）" if summary else "")


def bad_record_tail(kind: str, summary: str = "") -> str:
    """A bad record's reason text after its date (SPEC G3): " 不良记录：黄牌警告（…）".

    Raises ValidationError on an unknown kind. Stored with each bad record (models/patrol.py).
    """
    if kind not in BAD_RECORD_KINDS:
        raise ValidationError(Msg(N_("不良记录类别“%(kind)s”无效"), kind=kind), code="bad_record_kind")
    return f" 不良记录：{BAD_RECORD_KINDS[kind]}" + (f"（{summary}）" if summary else "")


@dataclass(frozen=True)
class Reason:
    """One record that decided a rule: its kind, id and a Chinese one-line description."""

    kind: str  # "violation" | "bad_record" | "exam"
    id: int | str
    text: str


@dataclass(frozen=True)
class Violation:
    """A violation (违法违章行为), ``severity`` in SEVERITIES, ``kind`` in VIOLATION_KINDS."""

    id: int | str
    at: datetime
    severity: str
    kind: str = "other"
    summary: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", as_utc(self.at))
        if self.severity not in SEVERITIES:
            raise ValidationError(Msg(N_("违法违章的严重程度“%(severity)s”无效"), severity=self.severity), code="bad_severity")
        if self.kind not in VIOLATION_KINDS:
            raise ValidationError(Msg(N_("违法违章的类别“%(kind)s”无效"), kind=self.kind), code="bad_violation_kind")

    def reason(self, tz: TzLike = None) -> Reason:
        memo = _memo(self, tz)
        if memo is None:
            memo = _remember(self, tz, Reason("violation", self.id, local_date(self.at, tz).isoformat()
                                              + violation_tail(self.severity, self.kind, self.summary)))
        return memo


@dataclass(frozen=True)
class BadRecord:
    """A bad credit record (不良信用记录), ``kind`` in BAD_RECORD_KINDS.

    For a complaint, ``at`` is the instant it closed (SPEC K5) and ``id`` the complaint's.
    """

    id: int | str
    at: datetime
    kind: str
    summary: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", as_utc(self.at))
        if self.kind not in BAD_RECORD_KINDS:
            raise ValidationError(Msg(N_("不良记录类别“%(kind)s”无效"), kind=self.kind), code="bad_record_kind")

    def reason(self, tz: TzLike = None) -> Reason:
        memo = _memo(self, tz)
        if memo is None:
            memo = _remember(self, tz, Reason("bad_record", self.id, local_date(self.at, tz).isoformat()
                                              + bad_record_tail(self.kind, self.summary)))
        return memo


@dataclass(frozen=True)
class ExamResult:
    """A merchant's law exam (法规知识考试), score 0–100 (SPEC E1)."""

    id: int | str
    at: datetime
    score: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", as_utc(self.at))
        if isinstance(self.score, bool) or not isinstance(self.score, int) or not 0 <= self.score <= 100:
            raise ValidationError(Msg(N_("考试成绩“%(score)s”无效，应为0到100的整数"), score=self.score), code="bad_score")

    def reason(self, pass_mark: int, tz: TzLike = None) -> Reason:
        return Reason("exam", self.id, f"{local_date(self.at, tz).isoformat()} 法规知识考试"
                                      f"{self.score}分，低于及格分{pass_mark}分")


def _memo(record: object, tz: TzLike) -> Reason | None:
    """The record's reason already built for ``tz`` (stars and grades both cite a record)."""
    cached = record.__dict__.get("_reason")
    return cached[1] if cached is not None and cached[0] == tz else None


def _remember(record: object, tz: TzLike, reason: Reason) -> Reason:
    # A frozen dataclass: the memo lives outside the fields (not compared, hashed or shown).
    record.__dict__["_reason"] = (tz, reason)
    return reason


R = TypeVar("R", Violation, BadRecord, ExamResult)


def within_year(records: Iterable[R], T: datetime, tz: TzLike = None,
                window: tuple[datetime, datetime] | None = None) -> list[R]:
    """Records with ``at`` in [T − 12 months, T) (SPEC §3), oldest first (ties by id).

    ``window``: the (start, end) pair of ``year_window(T, tz)`` when the caller already has it.
    """
    start, end = window if window is not None else year_window(T, tz)
    # r.at is aware UTC (normalised in __post_init__), as are start and end: compare directly.
    inside = [r for r in records if start <= r.at < end]
    if len(inside) > 1:
        inside.sort(key=_order)
    return inside


def _order(r: Violation | BadRecord | ExamResult) -> tuple:
    return (r.at, str(r.id))
