"""How the audit log reads (issue 17, Admins): labels instead of raw keys and codes, money in yuan,
local times in the street's zone, operators by name.

Pure presentation: ``describe(entry_dict, ...)`` turns a stored before/after dict into (label, text)
lines; nothing here reads the request or writes. The stored entries stay as they are (SPEC A1).
"""
import re
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from ...domain.i18n import N_
from ...domain import complaints as complaint_rules
from ...services.patrols.common import CHECKLIST_LABELS

#: Labels for keys the services snapshot that the base table (audit.FIELD_LABELS) lacks.
MORE_FIELD_LABELS = {
    "carries_report": N_("同时举报"), "subject": N_("投诉事项"), "refusal_reason": N_("不予受理理由"), "remedy": N_("调解方式"),
    "refused_mediation": N_("商户拒绝调解"), "handler_id": N_("承办人"), "decide_by": N_("受理决定期限"), "mediate_by": N_("调解期限"),
    "overdue": N_("已超期"), "reopened_count": N_("重新打开次数"), "report_status": N_("举报核查状态"),
    "report_decide_by": N_("举报立案决定期限"), "report_extended": N_("举报核查已延期"), "complaint_id": N_("投诉编号"),
    "card_check_id": N_("查验编号"), "withdrawn_at": N_("撤回时间"), "void_at": N_("作废时间"), "repaired_at": N_("信用修复时间"),
    "declared_by": N_("申报人"), "requested_by": N_("申请人"), "actor_id": N_("操作人"), "recorded_by": N_("记录人"),
    "amount_fen": N_("金额"), "fine_fen": N_("罚款"), "money_recovered_fen": N_("挽回经济损失"), "balance_fen": N_("余额"),
    "must_change_password": N_("须修改密码"),  # nosec B105 - a field's label, not a password
    "session_epoch": N_("登录版本"), "started_at": N_("开始时间"), "ended_at": N_("结束时间"),
    "paused_at": N_("中止时间"), "resumed_at": N_("恢复时间"), "legal_basis": N_("法律依据"), "penalty": N_("处罚"),
    "consumer_name": N_("投诉人姓名"), "consumer_phone": N_("投诉人电话"), "goods": N_("商品或服务"), "demand": N_("诉求"),
    "card_given": N_("信誉卡随货同行"), "consequence": N_("处理"), "criteria": N_("达标项目"), "grade": N_("等级"), "as_of": N_("评定时点"),
    "done": N_("已完成"), "finished_at": N_("完成时间"), "quorum": N_("有效票数"), "ballots": N_("票数"),
    "cause": N_("原因"), "chars": N_("字数"), "checklist_item": N_("检查项目"), "closed_by_patrol_id": N_("复查巡查编号"),
    "complete": N_("日历完整"), "days": N_("节假日和调休"), "decision_reason": N_("决定理由"), "default_street_id": N_("默认商业街编号"),
    "due_on": N_("整改期限"), "early_settlement": N_("参加先行和解"), "ends_on": N_("结束日期"), "starts_on": N_("开始日期"),
    "expires_at": N_("有效期至"), "first": N_("起始编号"), "last": N_("终止编号"), "inputs": N_("抽取依据"), "items": N_("条数"),
    "paid": N_("已付给消费者"), "patrol_id": N_("巡查编号"), "patrolled_at": N_("巡查时间"), "pause": N_("中止计时"),
    "paused_on": N_("中止日期"), "resumed_on": N_("恢复日期"), "pay_by": N_("赔付期限"), "photos": N_("照片数"),
    "problems_accepted": N_("已核对的疑问"), "proofs": N_("证明材料数"), "proposal_id": N_("和解方案编号"), "range_id": N_("号段编号"),
    "record_id": N_("记录编号"), "record_type": N_("记录类别"), "recovery_status": N_("追偿状态"), "reply_id": N_("回复编号"),
    "seed": N_("随机种子"), "seizures": N_("扣押物品"), "settle_by": N_("先行和解期限"), "share_contact": N_("允许商户查看联系方式"),
    "slug": N_("网址名"), "special_action_id": N_("专项行动编号"), "user_id": N_("用户"), "violation_id": N_("违法违章编号"),
    "workdays": N_("整改期限（工作日）"), "objection_id": N_("异议编号"), "repair_id": N_("修复申请编号"),
}
#: Keys whose value is a user id: shown as the user's name.
USER_KEYS = {"handler_id", "decided_by", "confirmed_by", "declared_by", "requested_by", "actor_id", "recorded_by",
             "assigned_to", "supervisor_id", "user_id", "created_by"}
#: Coded values, per key.
VALUE_LABELS = {
    "status": {"active": N_("营业"), "closed": N_("已关闭"), "proposed": N_("待确认"),
               "confirmed": N_("已确认"), "revoked": N_("已撤销"), "pending": N_("待审核"), "approved": N_("已批准"),
               "rejected": N_("已驳回"), "upheld": N_("成立"), "dismissed": N_("已驳回"), "draft": N_("草稿")},
    "report_status": complaint_rules.REPORT_STATE_LABELS,
    "outcome": complaint_rules.OUTCOMES,
    "refusal_reason": complaint_rules.REFUSAL_REASONS,
    "kind": {"complaint": N_("投诉"), "report": N_("举报"), "inquiry": N_("咨询"), "general": N_("一般"), "serious": N_("严重"),
             "yellow_card": N_("黄牌警告"), "verbal_warning": N_("口头警告"), "complaint_at_fault": N_("投诉中经查商家有责"),
             "complaint_fault": N_("投诉中经查商家有责"), "refused_mediation": N_("拒绝调解")},
    "severity": {"general": N_("一般"), "serious": N_("严重")},
    "role": {"inspector": N_("巡查员"), "supervisor": N_("义务监督员"), "admin": N_("管理员"), "merchant": N_("商户账号")},
    "channel": {"online": N_("网上投诉"), "hotline": N_("热线电话"), "box": N_("投诉箱"), "walk_in": N_("来访"),
                "transfer_12315": N_("12315平台转办"), "api": N_("接口")},
    "subject": {"": N_("一般投诉"), "broken_commitment": N_("承诺未兑现")},
    "ownership": {"state": N_("国有"), "collective": N_("集体"), "private": N_("私营"), "individual": N_("个体工商户")},
    "consequence": {"none": N_("无"), "verbal_warning": N_("口头警告"), "yellow_card": N_("黄牌警告")},
    "record_type": {"violation": N_("违法违章"), "bad_record": N_("不良记录")},
    "checklist_item": CHECKLIST_LABELS,
    "trigger": {"admin": N_("管理员"), "cli": N_("命令行"), "scheduler": N_("定时任务"), "demo": N_("演示数据"), "finalize": N_("计入迟到选票")},
}
#: Coded values that read differently on one kind of object.
ENTITY_VALUE_LABELS = {"complaint": {"status": complaint_rules.STATE_LABELS}}
#: Operators that are not accounts.
OPERATOR_LABELS = {"consumer": N_("消费者"), "system": N_("系统"), "anonymous": N_("匿名")}

_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")


def field_name(key: str, base: dict) -> str:
    """The label of ``key``: the base table first, then ours, else the key itself. Money keys say 元."""
    label = base.get(key) or MORE_FIELD_LABELS.get(key)
    if label is None:
        return key
    if key.endswith("_fen"):
        return _(label.replace("（分）", "")) + _("（元）")
    return _(label)


def local_instant(value: str | datetime, zone: ZoneInfo) -> str | None:
    """An ISO instant (naive = UTC, as stored) as local "YYYY-MM-DD HH:MM"; None if not an instant."""
    if isinstance(value, datetime):
        at = value
    elif isinstance(value, str) and _ISO_INSTANT.match(value.strip()):
        try:
            at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def value_text(key: str, value, zone: ZoneInfo, users: dict[int, str], entity: str = "") -> str:
    """One stored value as a reader wants it (SPEC A1 entries stay raw; this is only the view)."""
    labels = ENTITY_VALUE_LABELS.get(entity, {}).get(key) or VALUE_LABELS.get(key)
    if labels is not None and isinstance(value, str) and value in labels:
        return _(labels[value])
    if value is None or value == "":
        return "—" if value is None else _("（空）")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if key.endswith("_fen") and isinstance(value, (int, float, Decimal, str)) and str(value).lstrip("-").isdigit():
        return f"{Decimal(int(value)) / 100:.2f}"
    if key in USER_KEYS and str(value).isdigit():
        return users.get(int(value), f"#{value}")
    if key == "remedy" and isinstance(value, str):
        return "、".join(_(complaint_rules.REMEDIES[v]) if v in complaint_rules.REMEDIES else v for v in value.split(","))
    if isinstance(value, (list, tuple)):
        return "、".join(value_text(key, v, zone, users) for v in value) or _("（无）")
    if isinstance(value, dict):
        return "；".join(f"{k}: {value_text(str(k), v, zone, users)}" for k, v in value.items())
    instant = local_instant(value, zone)
    if instant is not None:
        return instant
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value).isoformat()
    return str(value)


def describe(d, base_labels: dict, zone: ZoneInfo, users: dict[int, str], entity: str = "") -> list[tuple[str, str]]:
    """A before/after dict as (label, text) lines in key order; a non-dict value is one line."""
    if d is None:
        return []
    if not isinstance(d, dict):
        return [("", str(d))]
    return [(field_name(str(k), base_labels), value_text(str(k), v, zone, users, entity))
            for k, v in sorted(d.items())]


def operator(actor_label: str, actor_id: int | None, users: dict[int, str]) -> str:
    """The operator's name: an account's display name (username); consumer/system in Chinese."""
    if actor_id is not None and actor_id in users:
        return users[actor_id]
    head, _sep, tail = (actor_label or "").partition(":")
    if head not in OPERATOR_LABELS:
        return actor_label or "—"
    name = _(OPERATOR_LABELS[head])
    trigger = VALUE_LABELS["trigger"]
    return f"{name}（{_(trigger[tail]) if tail in trigger else tail}）" if tail else name


def user_ids(entries) -> set[int]:
    """Every user id an entry names: its actor and the user-id fields of before/after."""
    out = set()
    for e in entries:
        if e.actor_id is not None:
            out.add(e.actor_id)
        for d in (e.before, e.after):
            if isinstance(d, dict):
                out.update(int(v) for k, v in d.items() if k in USER_KEYS and str(v).isdigit())
    return out
