"""Admin: the street's advance-compensation fund ledger (SPEC §13 P3): deposits, payouts, recoveries."""
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField

from ...domain import promises as rules
from ...domain.errors import DomainError
from ...domain.time import to_local
from ...extensions import db
from ...models import Complaint, FundEntry, utcnow
from ...services import fund
from ..roles import keeps_input
from ..scope import committing, current_street, get_or_404
from . import bp


class EntryForm(FlaskForm):
    amount = StringField(_l("金额（元）"), render_kw={"inputmode": "decimal"})
    tracking_code = StringField(_l("投诉查询码（先行赔付时填写）"), render_kw={"autocapitalize": "characters"})
    note = StringField(_l("说明"))


class PlainForm(FlaskForm):
    """Only the CSRF token."""


@bp.route("/fund", methods=["GET", "POST"])
@keeps_input
def fund_ledger():
    street = current_street()
    form = EntryForm()
    status = 200
    if request.method == "POST" and form.validate():
        kind = request.form.get("kind")
        with committing() as done:
            if kind == "deposit":
                fund.deposit(current_user, street, form.amount.data, form.note.data or "")
            elif kind == "payout":
                code = (form.tracking_code.data or "").strip().upper()
                c = db.session.scalar(select(Complaint).where(Complaint.tracking_code == code,
                                                              Complaint.street_id == street.id))
                if c is None:
                    raise DomainError(_("没有找到该查询码对应的本街投诉"), code="complaint_not_found")
                fund.pay_out(current_user, c, form.amount.data, form.note.data or "", utcnow())
            else:
                abort(400)
        if not done.ok:
            status = 400
        else:
            flash(_("已记账"), "success")
            return redirect(url_for("admin.fund_ledger"))
    totals = fund.totals(street.id)
    rows = fund.ledger_page(street.id, request.args.get("page", type=int))
    return render_template("admin/fund.html", street=street, form=form, plain=PlainForm(), totals=totals,
                           rows=rows, labels=rules.FUND_LABELS, yuan=rules.yuan, to_local=to_local,
                           shop_name=fund.shop_name), status


@bp.route("/fund/<int:entry_id>/<action>", methods=["POST"])
def fund_action(entry_id: int, action: str):
    entry = get_or_404(FundEntry, entry_id)
    if action not in ("paid", "recovered", "refused"):
        abort(404)
    if PlainForm().validate_on_submit():
        with committing() as done:
            if action == "paid":
                fund.mark_paid(current_user, entry, utcnow())
            elif action == "recovered":
                fund.recover(current_user, entry)
            else:
                fund.recovery_refused(current_user, entry, utcnow())
        if done.ok:
            flash({"paid": _("已登记支付"), "recovered": _("已登记追偿收回"),
                   "refused": _("已登记拒绝偿还，并记入该商户不良信用记录")}[action], "success")
    return redirect(url_for("admin.fund_ledger"))


@bp.route("/fund/export.xlsx")
def fund_export():
    from ...exports import XLSX_MIMETYPE, attachment, xlsx_bytes

    street = current_street()
    # No tracking codes in exports (K6: the code is half of the consumer's tracking secret).
    headers = ["时间（北京时间）", "类型", "金额（元）", "商户", "投诉编号", "应付日期", "追偿状态", "说明"]
    rows = [(to_local(e.at, street.timezone).replace(tzinfo=None), rules.FUND_LABELS[e.kind],
             Decimal(e.amount_fen) / 100, fund.shop_name(e), e.complaint_id, e.pay_by,
             {"open": "待追偿", "recovered": "已收回", "refused": "拒绝偿还"}.get(e.recovery_status or "", ""), e.note)
            for e in reversed(fund.ledger(street.id))]
    t = fund.totals(street.id)
    rows.append((None, "余额", Decimal(t.balance_fen) / 100, "", None, None, "", ""))
    return attachment(xlsx_bytes(headers, rows, "先行赔付基金"), f"先行赔付基金台账-{street.name}.xlsx",
                      XLSX_MIMETYPE, "fund-ledger.xlsx")
