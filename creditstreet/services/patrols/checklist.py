"""Recording a patrol with the P1 checklist (SPEC P1)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ...domain import patrols as rules
from ...domain.errors import ValidationError
from ...domain.i18n import Msg, N_
from ...domain.text import check_length, clean_prose
from ...domain.time import local_date
from ...extensions import db
from ...models import CHECKLIST, InspectorGroup, Patrol, Shop, SpecialAction, User, utcnow
from .. import audit, once
from .. import photos as photo_service
from .common import CHECKLIST_LABELS, MAX_NOTE, RESULT_LABELS, _require_active_shop, _require_staff
from .shop_picking import known_failures
from .rectification import close_rectifications, order_rectifications


def record_patrol(actor: User, shop: Shop, group: InspectorGroup | None, checklist: dict[str, str],
                  note: str = "", photos=(), special_action: SpecialAction | None = None,
                  submission_token: str | None = None, at: datetime | None = None,
                  all_items_pass: bool = False, rectify: Mapping[str, object] | None = None) -> Patrol:
    """Record one patrol of ``shop`` with the P1 checklist (SPEC P1).

    ``checklist``: item → "pass" | "fail" | "na" for every item of CHECKLIST (missing → "na");
    at least one item must be checked ("nothing_checked"), so an empty patrol never marks a shop
    inspected. ``all_items_pass``: the shortcut, every item "pass" (refused when one is "fail") —
    except an item the office knows fails on the patrol's local date and the inspector left
    unchecked: an expired licence records item 1 "fail" (``domain.patrols.all_pass``).
    ``rectify``: failed item → working days to rectify ("" or None: no deadline); only a failed
    item may carry one. The patrol also closes the shop's open rectifications of every item it
    passes (a re-inspection). See ``rectification``.
    ``photos``: uploaded files (werkzeug FileStorage or file-like), re-encoded without metadata.
    ``submission_token``: one-time form token; re-submitting it returns the first patrol.
    Raises ValidationError (Chinese) on an unknown item/result, a group or action of another
    street, a closed shop, a too-long note or a bad photo.
    """
    _require_staff(actor)
    if submission_token:
        existing = once.by_token(Patrol, submission_token)
        if existing is not None:
            return existing
    _require_active_shop(shop)
    unknown = set(checklist) - set(CHECKLIST)
    if unknown:
        raise ValidationError(Msg(N_("未知的检查项目：%(unknown)s"), unknown=sorted(unknown)), code="bad_item")
    results = {item: (checklist.get(item) or "na") for item in CHECKLIST}
    for item, value in results.items():
        if value not in RESULT_LABELS:
            raise ValidationError(Msg(N_("“%(item)s”的检查结果“%(value)s”无效"),
                                      item=Msg(CHECKLIST_LABELS[item]), value=value), code="bad_result")
    if all_items_pass:
        today = local_date(at or utcnow(), shop.street.timezone)
        results = rules.all_pass(results, known_failures(shop, today))
    rules.require_checked(results)
    deadlines = {}
    for item, text in (rectify or {}).items():
        days = rules.parse_rectify_days(text)
        if days is None:
            continue
        if item not in results or results[item] != "fail":
            raise ValidationError(Msg(N_("只有不合格项才能设整改期限（%(item)s）"), item=Msg(CHECKLIST_LABELS.get(item, item))),
                                  code="rectify_not_failed")
        deadlines[item] = days
    if group is not None and group.street_id != shop.street_id:
        raise ValidationError("巡查组不属于该商户所在的商业街", code="bad_group")
    if special_action is not None and special_action.street_id != shop.street_id:
        raise ValidationError("专项检查不属于该商户所在的商业街", code="bad_action")
    note = check_length(clean_prose(note), MAX_NOTE, label="巡查记录")
    # Same upload rules as complaints: at most 5 photos of photos.max_photo_mb() each (Chinese refusal).
    prepared = photo_service.prepare([_read(p) for p in (photos or ()) if p is not None])

    patrol = Patrol(shop_id=shop.id, group_id=group.id if group else None, inspector_id=actor.id,
                    special_action_id=special_action.id if special_action else None,
                    patrolled_at=at or utcnow(), note=note, submission_token=submission_token or None,
                    **results)
    patrol, created = once.add_once(patrol)
    if not created:  # a concurrent submission of the same token won the race
        return patrol
    photo_service.attach(prepared, patrol_id=patrol.id)
    close_rectifications(actor, patrol)
    order_rectifications(actor, patrol, deadlines)
    audit.record(actor, "patrol.record", "patrol", patrol.id, None,
                 audit.snapshot(patrol, ("shop_id", "group_id", "special_action_id", "patrolled_at",
                                         *CHECKLIST, "note")))
    db.session.flush()
    return patrol


def _read(upload) -> bytes:
    """The bytes of an upload (FileStorage, file-like or bytes); an empty file part gives b""."""
    if isinstance(upload, bytes):
        return upload
    return upload.read()


def failed_items(patrol: Patrol) -> list[str]:
    """The checklist items the patrol marked "fail", in checklist order."""
    return [item for item in CHECKLIST if getattr(patrol, item) == "fail"]
