"""The audit log viewer (SPEC A1): read-only, filtered by entity, actor and local date, paginated.
A street admin reads its own street's entries only (``AuditEntry.street_id``, SPEC Y2); a city
admin reads every entry.

Only GET routes: the log is append-only and no page edits or deletes an entry.
"""
import json
from datetime import date, datetime, time, timedelta

from flask import render_template, request
from flask_login import current_user
from flask_babel import gettext as _
from sqlalchemy import String, cast, or_, select

from ...domain.i18n import N_
from ...extensions import db
from ...models import AuditEntry, User
from ...services.settings import rule_settings
from ..scope import is_city_wide
from . import audit_format as fmt
from . import bp
from .audit_format import OPERATOR_LABELS

PER_PAGE = 50

# Chinese labels for the codes the services write (services/audit.record); the raw code is shown
# beside each label in small text, and an unknown code is shown as it is.
ENTITY_LABELS = {
    "agreement": N_("责任状"), "annual_star": N_("年度星级"), "annual_stars": N_("年度星级（整街）"), "bad_record": N_("不良记录"),
    "ballot": N_("监督员投票"), "calendar_day": N_("工作日历"), "card_batch": N_("信誉卡印制批次"), "card_check": N_("信誉卡查验"),
    "card_range": N_("信誉卡发放号段"), "complaint": N_("投诉举报"), "consumer_warning": N_("消费警示"), "exam_result": N_("法律知识考试"),
    "grade_run": N_("信用等级计算"), "industry_group": N_("行业自律小组"), "inspector_group": N_("巡查小组"), "patrol": N_("巡查记录"),
    "patrol_plan": N_("巡查计划"), "peer_finding": N_("互查发现"), "setting": N_("规则设置"), "shop": N_("商户"), "special_action": N_("专项行动"),
    "street": N_("商业街"), "supervisor_conflict": N_("监督员回避"), "training": N_("培训"), "user": N_("用户账号"), "violation": N_("违法行为"),
    "seizure": N_("扣押物品"), "photo": N_("照片"),
    "calendar": N_("工作日历"), "calendar_year": N_("年度节假日安排"), "commitment": N_("商户承诺"),
    "correction_request": N_("公示更正申请"), "credit_repair": N_("信用修复申请"), "credit_repairs": N_("信用修复申请"),
    "fund_entry": N_("先行赔付基金"), "merchant_invitation": N_("商户邀请码"), "objection": N_("商户异议"),
    "objections": N_("商户异议"), "outbox": N_("短信通知"), "print_job": N_("打印任务"), "rectification": N_("限期整改"),
    "settlement": N_("先行和解"), "settlements": N_("先行和解"),
}
VERB_LABELS = {
    "create": N_("新建"), "update": N_("修改"), "record": N_("登记"), "register": N_("登记"), "issue": N_("发放"), "close": N_("关闭"),
    "reopen": N_("重新开启"), "confirm": N_("确认"), "propose": N_("生成建议"), "revoke": N_("撤销"), "cast": N_("投票"), "recast": N_("改投"),
    "declare": N_("申报"), "remove": N_("解除"), "approve": N_("审核发布"), "dismiss": N_("驳回"), "draft": N_("生成草稿"), "set": N_("设置"),
    "disable": N_("停用"), "enable": N_("启用"), "password_reset": N_("重置密码"),  # nosec B105
    "raise": N_("认定"), "accept": N_("受理"),
    "refuse": N_("不予受理"), "intake": N_("登记"), "take": N_("领取"), "mediation_note": N_("调解记录"), "answer": N_("答复咨询"), "flag_overdue": N_("标记超期"),
    "import_create": N_("导入新增"), "import_update": N_("导入更新"), "recompute": N_("重新计算"), "add_member": N_("加入成员"),
    "attach_action": N_("关联专项行动"), "report_extend": N_("举报核查延期"), "report_close": N_("举报核查办结"),
    "report_start": N_("举报核查立案"), "report_transfer": N_("举报移送"),
    "order": N_("责令整改"), "void": N_("作废（异议成立）"), "repair": N_("信用修复"), "apply": N_("申请"), "decide": N_("作出决定"),
    "file": N_("提出"), "pause": N_("中止计时"), "resume": N_("恢复计时"), "reassign": N_("改派承办人"), "reply": N_("商户回复"),
    "report_open_case": N_("举报立案"), "report_decline": N_("举报不予立案"), "match_shop": N_("核对到商户"),
    "deadline_recomputed": N_("按新日历重算期限"), "deadlines_recomputed": N_("按新日历重算期限"),
    "withdraw": N_("作废（消费者要求重新办理）"), "reinstate": N_("重新认定"), "reject": N_("驳回"), "notice": N_("告知终止"),
    "propose": N_("提出和解方案"),
}
ACTION_LABELS = {  # where "entity label + verb" would read badly
    "grades.recompute": N_("重新计算信用等级"), "annual_star.propose": N_("生成年度星级建议"), "calendar.set": N_("设置工作日历"),
    "conflict.declare": N_("申报监督员回避"), "conflict.remove": N_("解除监督员回避"), "setting.update": N_("修改规则设置"),
    "complaint.confirm": N_("确认投诉处理结果"), "ballot.recast": N_("改投（替换原投票）"),
    # SPEC M1: merchants' accounts
    "merchant.invite": N_("发放商户邀请码"), "merchant.sign_up": N_("商户凭邀请码注册"), "merchant.bind": N_("新建商户账号"),
    # SPEC M2: early settlement
    "settlement.join": N_("加入先行和解"), "settlement.leave": N_("退出先行和解"), "settlement.start": N_("先行和解开始"),
    "settlement.propose": N_("商户提出和解方案"), "settlement.accept": N_("消费者接受和解方案"),
    "settlement.declined": N_("消费者拒绝和解，转工商所办理"), "settlement.requested": N_("消费者要求转工商所办理"),
    "settlement.expired": N_("先行和解到期，转工商所办理"),
    # §13 P1–P4: commitments, fund, disclosure
    "commitment.declare": N_("商户声明承诺"), "commitment.approve": N_("承诺审核通过"), "commitment.reject": N_("承诺审核驳回"),
    "commitment.notice": N_("商户告知终止承诺"), "fund.deposit": N_("基金存入"), "fund.payout": N_("基金先行赔付"),
    "fund.recovery": N_("基金追偿到账"), "fund.paid": N_("先行赔付已付给消费者"), "fund.recovery_refused": N_("商户拒绝偿还赔付"),
    "disclosure.key_mark": N_("列为重点公示"), "disclosure.correction_request": N_("商户申请更正公示"),
    "disclosure.correction_decide": N_("决定公示更正申请"),
    "calendar.confirm_year": N_("确认年度节假日安排"), "calendar.recompute": N_("按新日历重算期限"),
    "card_sheet.print": N_("打印信誉卡"), "outbox.retry": N_("重新发送短信"),
    "street.default": N_("设为默认商业街"), "street.slug": N_("修改商业街网址名"), "street_setting.update": N_("修改本街设置"),
    "street_setting.clear": N_("本街设置恢复全市默认"), "user.password_change": N_("修改本人密码"),  # nosec B105
    "user.phone": N_("修改接收提醒的手机号"),
}
_ACTION_ENTITY = {"conflict": "supervisor_conflict", "warning": "consumer_warning", "exam": "exam_result",
                  "grades": "grade_run", "calendar": "calendar_day"}
FIELD_LABELS = {
    "status": N_("状态"), "stars": N_("星级"), "shop_id": N_("商户编号"), "year": N_("年度"), "quarter": N_("季度"), "name": N_("名称"),
    "house_number": N_("门牌号"), "uscc": N_("统一社会信用代码"), "ownership": N_("经济性质"), "industry": N_("行业"), "principal": N_("负责人"),
    "phone": N_("联系电话"), "opened_on": N_("开业日期"), "licence_expires_on": N_("营业执照有效期至"), "licence_no_expiry": N_("执照长期有效"),
    "note": N_("备注"), "closed_on": N_("关闭日期"), "public_reply": N_("商户公开回复"), "revoke_reason": N_("撤销原因"),
    "confirmed_at": N_("确认时间"), "confirmed_by": N_("确认人"), "revoked_at": N_("撤销时间"), "reason": N_("原因"), "reasons": N_("理由"),
    "supervisor_id": N_("监督员编号"), "lawful": N_("依法经营好"), "service": N_("售后服务质量好"), "compliance": N_("服从管理好"),
    "honesty": N_("诚实信用好"), "score": N_("成绩"), "taken_at": N_("考试时间"), "signed_on": N_("签订日期"),
    "pass_mark": N_("及格分"),  # nosec B105
    "signer": N_("签订人"), "held_on": N_("培训日期"), "topic": N_("培训主题"), "shop_ids": N_("商户编号"), "shops": N_("商户数"),
    "title": N_("标题"), "body": N_("正文"), "expires_on": N_("截止日期"), "goods_category": N_("商品类别"), "figures": N_("统计数据"),
    "decided_at": N_("审核时间"), "decided_by": N_("审核人"), "first_serial": N_("起始编号"), "last_serial": N_("终止编号"),
    "issued_on": N_("发放日期"), "printed_on": N_("印制日期"), "serial": N_("卡号"), "result": N_("结果"), "kind": N_("类别"),
    "severity": N_("情节"), "description": N_("情况描述"), "recorded_at": N_("记录时间"), "username": N_("用户名"), "display_name": N_("姓名"),
    "role": N_("角色"), "disabled": N_("已停用"), "street_id": N_("商业街编号"), "group_id": N_("小组编号"), "value": N_("取值"),
    "key": N_("设置项"), "tracking_code": N_("查询码"), "channel": N_("渠道"), "outcome": N_("处理结果"), "shop_at_fault": N_("商户有责"),
    "received_at": N_("收到时间"), "accepted_at": N_("受理时间"), "closed_at": N_("办结时间"), "assigned_to": N_("承办人"),
    "money_recovered_fen": N_("挽回经济损失（分）"), "trigger": N_("触发方式"), "settings_version": N_("规则版本"),
    "A": N_("A级"), "B": N_("B级"), "C": N_("C级"), "is_workday": N_("工作日"), "day": N_("日期"), "created_at": N_("创建时间"),
}


def entity_label(code: str) -> str:
    """The object's label in the reader's language; an unknown code is shown as it is."""
    return _(ENTITY_LABELS[code]) if code in ENTITY_LABELS else code


def action_label(code: str) -> str:
    """"card_batch.register" → 信誉卡印制批次·登记; unknown parts are left as they are."""
    if code in ACTION_LABELS:
        return _(ACTION_LABELS[code])
    entity, _dot, verb = code.partition(".")
    entity = _ACTION_ENTITY.get(entity, entity)
    if entity in ENTITY_LABELS and verb in VERB_LABELS:
        return f"{_(ENTITY_LABELS[entity])}·{_(VERB_LABELS[verb])}"
    return code


def field_label(name: object) -> str:
    name = str(name)
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name


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
    mine = [] if is_city_wide() else [AuditEntry.street_id == current_user.street_id]  # SPEC Y2
    q = select(AuditEntry).where(*mine)
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
    # the object kinds the services write (a DISTINCT over the log read a city's whole log per page)
    entities = sorted(set(ENTITY_LABELS) | ({entity} if entity else set()))
    filters = {"q": text, "entity": entity, "entity_id": entity_id, "actor": actor,
               "since": since.isoformat() if since else "", "until": until.isoformat() if until else ""}
    ids = fmt.user_ids(page.items)
    users = {u.id: f"{u.display_name}（{u.username}）" for u in db.session.scalars(
        select(User).where(User.id.in_(ids)))} if ids else {}
    return render_template("admin/audit.html", page=page, entities=entities, filters=filters, swapped=swapped,
                           entity_label=entity_label, action_label=action_label, field_label=field_label,
                           describe=lambda d, entity='': fmt.describe(d, FIELD_LABELS, zone, users, entity),
                           operator=lambda e: fmt.operator(e.actor_label, e.actor_id, users))
