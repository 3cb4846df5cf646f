"""Patrols, violations, special actions and industry groups (SPEC P1–P4).

Split by what a reader looks for: ``checklist`` (recording a patrol, P1), ``violations`` (P2),
``rectification`` (deadlines of failed items and re-inspections), ``special_actions`` (P3),
``industry_groups`` (P4), ``shop_picking`` (licence flags, nearest
shops) and ``common`` (labels and guards). Every function takes the acting user explicitly,
flushes, never commits, and writes the audit log (SPEC A1). Rejections are ``ValidationError`` /
``InvalidTransition`` with Chinese messages. The old module's names are re-exported here.
"""
from .checklist import _read, failed_items, record_patrol
from .common import (CHECKLIST_LABELS, KIND_FOR_ITEM, KIND_LABELS, MAX_NOTE, RESULT_LABELS, SEVERITY_LABELS,
                     TRADE_LABELS, _require_active_shop, _require_staff)
from .rectification import (OpenRectification, close_rectifications, for_patrol, open_rectifications,
                            order_rectifications)
from .industry_groups import (add_member, confirm_peer_finding, create_industry_group, dismiss_peer_finding, members,
                              record_peer_finding)
from .shop_picking import house_number_value, known_failures, licence_flags, nearest_shops
from .special_actions import ActionTotals, SeizedTotal, attach_patrol, create_special_action, special_action_totals
from .violations import MAX_SEIZED_QUANTITY, _parse_seizures, parse_yuan, raise_violation, violation_for_item

__all__ = [
    "CHECKLIST_LABELS", "KIND_FOR_ITEM", "KIND_LABELS", "MAX_NOTE", "MAX_SEIZED_QUANTITY", "RESULT_LABELS",
    "SEVERITY_LABELS", "TRADE_LABELS", "ActionTotals", "SeizedTotal", "add_member", "attach_patrol",
    "confirm_peer_finding", "create_industry_group", "create_special_action", "dismiss_peer_finding",
    "failed_items", "house_number_value", "known_failures", "licence_flags", "members", "nearest_shops", "parse_yuan",
    "raise_violation", "record_patrol", "record_peer_finding", "special_action_totals", "violation_for_item",
    "_parse_seizures", "_read", "_require_active_shop", "_require_staff",
    "OpenRectification", "close_rectifications", "for_patrol", "open_rectifications", "order_rectifications",
]
