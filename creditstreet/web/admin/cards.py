"""The admin's quality credit card pages: printed batches, free issue of ranges, card sheets (SPEC C1–C2)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import Optional

from ...domain.inputs import query_int
from ...domain.i18n import Msg, N_
from ...domain.errors import DomainError
from ...domain.time import local_date
from ...extensions import db
from ...models import CardBatch, CardRange, PrintJob, Shop, utcnow
from ...services import cards, print_jobs, shops
from ..roles import keeps_input
from ..scope import shown_message, committing, current_street, get_or_404
from ..urls import public_base_url
from . import bp


class BatchForm(FlaskForm):
    name = StringField(_l("批次名称（如：2026年第一批）"))
    first = StringField(_l("起始编号"))
    last = StringField(_l("结束编号"))
    printed_on = DateField(_l("印制日期"), validators=[Optional()])


class IssueForm(FlaskForm):
    batch_id = SelectField(_l("印制批次"), coerce=int)
    shop = StringField(_l("发放给商户（输入名称或门牌号查找）"))
    shop_id = HiddenField()  # kept for a client that already knows the id
    first = StringField(_l("起始编号"))
    last = StringField(_l("结束编号"))


def _page(street, batch_form, issue_form):
    shop_options = shops.shop_options(street.id)
    return render_template("admin/cards.html", street=street, batch_form=batch_form, issue_form=issue_form,
                           shop_options=shop_options,
                           batches=cards.batches(street.id), ranges=cards.ranges(street.id),
                           fmt=cards.fmt_serial, max_cards=cards.MAX_SHEET_CARDS,
                           jobs=print_jobs.recent(street.id))


def _forms(street):
    batch_form, issue_form = BatchForm(prefix="batch"), IssueForm(prefix="issue")
    issue_form.batch_id.choices = [(b.id, f"{b.name}（{cards.fmt_range(b.first_serial, b.last_serial)}）")
                                   for b in cards.batches(street.id)]
    return batch_form, issue_form


def _issue_shop(street, form) -> Shop:
    """The shop the issue form names: by id when given, else found from the typed text."""
    raw = (form.shop_id.data or "").strip()
    if raw.isdigit() and len(raw) < 10:
        shop = db.session.get(Shop, int(raw))
        if shop is None or shop.street_id != street.id:
            abort(404)
        return shop
    return shops.resolve_shop(street, form.shop.data)


@bp.route("/cards", methods=["GET", "POST"])
@keeps_input
def cards_home():
    street = current_street()
    batch_form, issue_form = _forms(street)
    if request.method == "POST":
        with committing() as done:
            if "batch-first" in request.form and batch_form.validate_on_submit():
                batch = cards.register_batch(current_user, street, batch_form.name.data,
                                             cards.parse_serial(batch_form.first.data, "起始编号"),
                                             cards.parse_serial(batch_form.last.data, "结束编号"),
                                             batch_form.printed_on.data)
                message = f"已登记印制批次 {cards.fmt_range(batch.first_serial, batch.last_serial)}"
            elif "issue-first" in request.form and issue_form.validate_on_submit():
                batch = db.session.get(CardBatch, issue_form.batch_id.data)
                if batch is None or batch.street_id != street.id:
                    abort(404)
                shop = _issue_shop(street, issue_form)
                rng = cards.issue_range(current_user, batch, shop,
                                        cards.parse_serial(issue_form.first.data, "起始编号"),
                                        cards.parse_serial(issue_form.last.data, "结束编号"),
                                        local_date(utcnow(), street.timezone))
                message = f"已向{shop.name}免费发放 {cards.fmt_range(rng.first_serial, rng.last_serial)}"
            else:
                flash(_("请检查填写的内容"), "danger")
                return _page(street, batch_form, issue_form)
        if not done.ok:
            return _page(street, batch_form, issue_form)
        flash(message, "success")
        return redirect(url_for("admin.cards_home"))
    return _page(street, batch_form, issue_form)


@bp.route("/cards/ranges/<int:range_id>/sheet.pdf")
def card_sheet(range_id: int):
    """The sheet at once, for up to MAX_SHEET_CARDS cards; a longer one is printed as a job."""
    rng = get_or_404(CardRange, range_id)
    first = request.args.get("first", type=query_int)
    last = request.args.get("last", type=query_int)
    try:
        first, last = cards.check_sheet_range(rng, first, last)
        if last - first + 1 > cards.MAX_SHEET_CARDS:
            raise DomainError(Msg(N_("%(range)s 共 %(n)s 张，超过 %(max)s 张的打印请在下方“打印卡片”中提交，后台生成后下载"),
                                  range=cards.fmt_range(first, last), n=last - first + 1, max=cards.MAX_SHEET_CARDS),
                              code="print_as_job")
        pdf = cards.card_sheet_pdf(rng, public_base_url(), first, last)
    except DomainError as e:
        flash(shown_message(e.message), "danger")
        return redirect(url_for("admin.cards_home"))
    from ...exports import attachment

    return attachment(pdf, f"信誉卡-{cards.fmt_range(first, last)}.pdf", "application/pdf")


@bp.route("/cards/ranges/<int:range_id>/print", methods=["POST"])
def card_print(range_id: int):
    """Print serials first–last of the range: at once up to MAX_SHEET_CARDS, else as a job."""
    from flask import current_app

    from ...services import print_jobs

    rng = get_or_404(CardRange, range_id)
    with committing() as done:
        first = cards.parse_serial(request.form.get("first") or str(rng.first_serial), "起始编号")
        last = cards.parse_serial(request.form.get("last") or str(rng.last_serial), "结束编号")
        first, last = cards.check_sheet_range(rng, first, last)
        if last - first + 1 <= cards.MAX_SHEET_CARDS:
            return redirect(url_for("admin.card_sheet", range_id=rng.id, first=first, last=last))
        job = print_jobs.start(current_user, rng, first, last, public_base_url())
    if not done.ok:
        return redirect(url_for("admin.cards_home"))
    print_jobs.launch(current_app._get_current_object(), job.id, job.base_url)
    return redirect(url_for("admin.print_job", job_id=job.id))


def _job_or_404(job_id: int) -> tuple[PrintJob, CardRange]:
    job = db.session.get(PrintJob, job_id)
    if job is None:
        abort(404)
    return job, get_or_404(CardRange, job.range_id)


@bp.route("/cards/prints/<int:job_id>")
def print_job(job_id: int):
    from ...services import print_jobs

    job, rng = _job_or_404(job_id)
    return render_template("admin/print_job.html", job=job, rng=rng, shop=db.session.get(Shop, rng.shop_id),
                           fmt=cards.fmt_range, stalled=print_jobs.is_stalled(job))


@bp.route("/cards/prints/<int:job_id>/status.json")
def print_job_status(job_id: int):
    """What the job page's script polls: status, cards done of total, the line it shows."""
    from flask import jsonify

    from ...services import print_jobs

    job, _rng = _job_or_404(job_id)
    return jsonify(status=job.status, done=job.done, total=job.total, stalled=print_jobs.is_stalled(job),
                   label=_("已生成 %(d)s / %(t)s 张", d=job.done, t=job.total))


@bp.route("/cards/prints/<int:job_id>/restart", methods=["POST"])
def print_job_restart(job_id: int):
    from flask import current_app

    from ...services import print_jobs

    job, _rng = _job_or_404(job_id)
    with committing() as done:
        print_jobs.restart(job)
    if not done.ok:
        return redirect(url_for("admin.print_job", job_id=job.id))
    print_jobs.launch(current_app._get_current_object(), job.id, job.base_url)
    return redirect(url_for("admin.print_job", job_id=job.id))


@bp.route("/cards/prints/<int:job_id>/sheet.pdf")
def print_job_pdf(job_id: int):
    from ...exports import attachment

    job, _rng = _job_or_404(job_id)
    if job.status != "done":
        abort(404)
    return attachment(job.pdf, f"信誉卡-{cards.fmt_range(job.first_serial, job.last_serial)}.pdf", "application/pdf")
