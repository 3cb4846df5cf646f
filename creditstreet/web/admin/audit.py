"""The audit log viewer (SPEC A1): read-only, filtered by entity, actor and local date, paginated.

Only GET routes: the log is append-only and no page edits or deletes an entry.
"""
import json
from datetime import date, datetime, time, timedelta

from flask import render_template, request
from sqlalchemy import String, cast, or_, select

from ...extensions import db
from ...models import AuditEntry, User
from ...services.settings import rule_settings
from . import audit_format as fmt
from . import bp
from .audit_format import OPERATOR_LABELS

PER_PAGE = 50

# Chinese labels for the codes the services write (services/audit.record); the raw code is shown
# beside each label in small text, and an unknown code is shown as it is.
ENTITY_LABELS = {
    "agreement": "责任状", "annual_star": "年度星级", "annual_stars": "年度星级（整街）", "bad_record": "不良记录",
    "ballot": "监督员投票", "calendar_day": "工作日历", "card_batch": "信誉卡印制批次", "card_check": "信誉卡查验",
    "card_range": "信誉卡发放号段", "complaint": "投诉举报", "consumer_warning": "消费警示", "exam_result": "法律知识考试",
    "grade_run": "信用等级计算", "industry_group": "行业自律小组", "inspector_group": "巡查小组", "patrol": "巡查记录",
    "patrol_plan": "巡查计划", "peer_finding": "互查发现", "setting": "规则设置", "shop": "商户", "special_action": "专项行动",
    "street": "商业街", "supervisor_conflict": "监督员回避", "training": "培训", "user": "用户账号", "violation": "违法行为",
    "seizure": "扣押物品", "photo": "照片",
    "calendar": "工作日历", "calendar_year": "年度节假日安排", "commitment": "商户承诺",
    "correction_request": "公示更正申请", "credit_repair": "信用修复申请", "credit_repairs": "信用修复申请",
    "fund_entry": "先行赔付基金", "merchant_invitation": "商户邀请码", "objection": "商户异议",
    "objections": "商户异议", "outbox": "短信通知", "print_job": "打印任务", "rectification": "限期整改",
    "settlement": "先行和解", "settlements": "先行和解",
}
VERB_LABELS = {
    "create": "新建", "update": "修改", "record": "登记", "register": "登记", "issue": "发放", "close": "关闭",
    "reopen": "重新开启", "confirm": "确认", "propose": "生成建议", "revoke": "撤销", "cast": "投票", "recast": "改投",
    "declare": "申报", "remove": "解除", "approve": "审核发布", "dismiss": "驳回", "draft": "生成草稿", "set": "设置",
    "disable": "停用", "enable": "启用", "password_reset": "重置密码",  # nosec B105
    "raise": "认定", "accept": "受理",
    "refuse": "不予受理", "intake": "登记", "take": "领取", "mediation_note": "调解记录", "flag_overdue": "标记超期",
    "import_create": "导入新增", "import_update": "导入更新", "recompute": "重新计算", "add_member": "加入成员",
    "attach_action": "关联专项行动", "report_extend": "举报核查延期", "report_close": "举报核查办结",
    "report_start": "举报核查立案", "report_transfer": "举报移送",
    "order": "责令整改", "void": "作废（异议成立）", "repair": "信用修复", "apply": "申请", "decide": "作出决定",
    "file": "提出", "pause": "中止计时", "resume": "恢复计时", "reassign": "改派承办人", "reply": "商户回复",
    "report_open_case": "举报立案", "report_decline": "举报不予立案", "match_shop": "核对到商户",
    "deadline_recomputed": "按新日历重算期限", "deadlines_recomputed": "按新日历重算期限",
    "withdraw": "作废（消费者要求重新办理）", "reinstate": "重新认定", "reject": "驳回", "notice": "告知终止",
    "propose": "提出和解方案",
}
ACTION_LABELS = {  # where "entity label + verb" would read badly
    "grades.recompute": "重新计算信用等级", "annual_star.propose": "生成年度星级建议", "calendar.set": "设置工作日历",
    "conflict.declare": "申报监督员回避", "conflict.remove": "解除监督员回避", "setting.update": "修改规则设置",
    "complaint.confirm": "确认投诉处理结果", "ballot.recast": "改投（替换原投票）",
    # SPEC M1: merchants' accounts
    "merchant.invite": "发放商户邀请码", "merchant.sign_up": "商户凭邀请码注册", "merchant.bind": "新建商户账号",
    # SPEC M2: early settlement
    "settlement.join": "加入先行和解", "settlement.leave": "退出先行和解", "settlement.start": "先行和解开始",
    "settlement.propose": "商户提出和解方案", "settlement.accept": "消费者接受和解方案",
    "settlement.declined": "消费者拒绝和解，转工商所办理", "settlement.requested": "消费者要求转工商所办理",
    "settlement.expired": "先行和解到期，转工商所办理",
    # §13 P1–P4: commitments, fund, disclosure
    "commitment.declare": "商户声明承诺", "commitment.approve": "承诺审核通过", "commitment.reject": "承诺审核驳回",
    "commitment.notice": "商户告知终止承诺", "fund.deposit": "基金存入", "fund.payout": "基金先行赔付",
    "fund.recovery": "基金追偿到账", "fund.paid": "先行赔付已付给消费者", "fund.recovery_refused": "商户拒绝偿还赔付",
    "disclosure.key_mark": "列为重点公示", "disclosure.correction_request": "商户申请更正公示",
    "disclosure.correction_decide": "决定公示更正申请",
    "calendar.confirm_year": "确认年度节假日安排", "calendar.recompute": "按新日历重算期限",
    "card_sheet.print": "打印信誉卡", "outbox.retry": "重新发送短信",
    "street.default": "设为默认商业街", "street.slug": "修改商业街网址名", "street_setting.update": "修改本街设置",
    "street_setting.clear": "本街设置恢复全市默认", "user.password_change": "修改本人密码",  # nosec B105
    "user.phone": "修改接收提醒的手机号",
}
_ACTION_ENTITY = {"conflict": "supervisor_conflict", "warning": "consumer_warning", "exam": "exam_result",
                  "grades": "grade_run", "calendar": "calendar_day"}
FIELD_LABELS = {
    "status": "状态", "stars": "星级", "shop_id": "商户编号", "year": "年度", "quarter": "季度", "name": "名称",
    "house_number": "门牌号", "uscc": "统一社会信用代码", "ownership": "经济性质", "industry": "行业", "principal": "负责人",
    "phone": "联系电话", "opened_on": "开业日期", "licence_expires_on": "营业执照有效期至", "licence_no_expiry": "执照长期有效",
    "note": "备注", "closed_on": "关闭日期", "public_reply": "商户公开回复", "revoke_reason": "撤销原因",
    "confirmed_at": "确认时间", "confirmed_by": "确认人", "revoked_at": "撤销时间", "reason": "原因", "reasons": "理由",
    "supervisor_id": "监督员编号", "lawful": "依法经营好", "service": "售后服务质量好", "compliance": "服从管理好",
    "honesty": "诚实信用好", "score": "成绩", "taken_at": "考试时间", "signed_on": "签订日期",
    "pass_mark": "及格分",  # nosec B105
    "signer": "签订人", "held_on": "培训日期", "topic": "培训主题", "shop_ids": "商户编号", "shops": "商户数",
    "title": "标题", "body": "正文", "expires_on": "截止日期", "goods_category": "商品类别", "figures": "统计数据",
    "decided_at": "审核时间", "decided_by": "审核人", "first_serial": "起始编号", "last_serial": "终止编号",
    "issued_on": "发放日期", "printed_on": "印制日期", "serial": "卡号", "result": "结果", "kind": "类别",
    "severity": "情节", "description": "情况描述", "recorded_at": "记录时间", "username": "用户名", "display_name": "姓名",
    "role": "角色", "disabled": "已停用", "street_id": "商业街编号", "group_id": "小组编号", "value": "取值",
    "key": "设置项", "tracking_code": "查询码", "channel": "渠道", "outcome": "处理结果", "shop_at_fault": "商户有责",
    "received_at": "收到时间", "accepted_at": "受理时间", "closed_at": "办结时间", "assigned_to": "承办人",
    "money_recovered_fen": "挽回经济损失（分）", "trigger": "触发方式", "settings_version": "规则版本",
    "A": "A级", "B": "B级", "C": "C级", "is_workday": "工作日", "day": "日期", "created_at": "创建时间",
}


def entity_label(code: str) -> str:
    return ENTITY_LABELS.get(code, code)


def action_label(code: str) -> str:
    """"card_batch.register" → 信誉卡印制批次·登记; unknown parts are left as they are."""
    if code in ACTION_LABELS:
        return ACTION_LABELS[code]
    entity, _, verb = code.partition(".")
    entity = _ACTION_ENTITY.get(entity, entity)
    if entity in ENTITY_LABELS and verb in VERB_LABELS:
        return f"{ENTITY_LABELS[entity]}·{VERB_LABELS[verb]}"
    return code


def field_label(name: object) -> str:
    return FIELD_LABELS.get(str(name), str(name))


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _search(text: str):
    """Entries whose operator (name or login), action or object (code or Chinese label), object
    number, or before/after values contain ``text`` (JSON is stored with \\u escapes: both spellings)."""
    escaped = json.dumps(text)[1:-1]
    entities = [code for code, label in ENTITY_LABELS.items() if text in label]
    actions = [code for code, label in ACTION_LABELS.items() if text in label]
    verbs = [code for code, label in VERB_LABELS.items() if text in label]
    users = select(User.id).where(or_(User.display_name.contains(text, autoescape=True),
                                      User.username.contains(text, autoescape=True)))
    conds = [AuditEntry.actor_label.contains(text, autoescape=True), AuditEntry.actor_id.in_(users),
             AuditEntry.action.contains(text, autoescape=True), AuditEntry.entity.contains(text, autoescape=True),
             AuditEntry.entity_id == text, AuditEntry.entity.in_(entities), AuditEntry.action.in_(actions),
             *[AuditEntry.action.endswith("." + v) for v in verbs]]
    if any(label in text for label in OPERATOR_LABELS.values()):
        conds.append(AuditEntry.actor_label.in_([k for k, v in OPERATOR_LABELS.items() if v in text]))
    for col in (AuditEntry.before, AuditEntry.after):
        as_text = cast(col, String)
        conds += [as_text.contains(text, autoescape=True), as_text.contains(escaped, autoescape=True)]
    return or_(*conds)


@bp.route("/audit")
def audit_log():
    """Entries newest first; ``q`` (free text), ``entity``, ``entity_id``, ``actor`` (login or name),
    ``since``/``until`` (local dates, both included; given the wrong way round they are swapped and
    the page says so). Shown with labels, yuan, local times and operator names."""
    args = request.args
    text = (args.get("q") or "").strip()[:60]
    entity = (args.get("entity") or "").strip()
    entity_id = (args.get("entity_id") or "").strip()
    actor = (args.get("actor") or "").strip()
    since, until = _day(args.get("since")), _day(args.get("until"))
    swapped = since is not None and until is not None and since > until
    if swapped:  # 2026-09-30 … 2026-09-01 means September, not nothing
        since, until = until, since
    zone = rule_settings().zone
    q = select(AuditEntry)
    if text:
        q = q.where(_search(text))
    if entity:
        q = q.where(AuditEntry.entity == entity)
    if entity_id:
        q = q.where(AuditEntry.entity_id == entity_id)
    if actor:
        q = q.where(or_(AuditEntry.actor_label == actor, AuditEntry.actor_id.in_(
            select(User.id).where(or_(User.username == actor, User.display_name == actor)))))
    if since:
        q = q.where(AuditEntry.at >= datetime.combine(since, time(), zone))
    if until:  # inclusive: up to the start of the next local day
        q = q.where(AuditEntry.at < datetime.combine(until + timedelta(days=1), time(), zone))
    page = db.paginate(q.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()), per_page=PER_PAGE,
                       error_out=False)
    entities = db.session.scalars(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity)).all()
    filters = {"q": text, "entity": entity, "entity_id": entity_id, "actor": actor,
               "since": since.isoformat() if since else "", "until": until.isoformat() if until else ""}
    ids = fmt.user_ids(page.items)
    users = {u.id: f"{u.display_name}（{u.username}）" for u in db.session.scalars(
        select(User).where(User.id.in_(ids)))} if ids else {}
    return render_template("admin/audit.html", page=page, entities=entities, filters=filters, swapped=swapped,
                           entity_label=entity_label, action_label=action_label, field_label=field_label,
                           describe=lambda d, entity='': fmt.describe(d, FIELD_LABELS, zone, users, entity),
                           operator=lambda e: fmt.operator(e.actor_label, e.actor_id, users))
