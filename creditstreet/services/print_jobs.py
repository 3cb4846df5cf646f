"""Card sheets printed in the background (issue 17): any length, progress, a download when done.

``start`` records a job (flush, never commit; audited); ``launch`` runs it on a daemon thread of
the web process that accepted it, with its own app context and session, committing the progress
after every few pages so any web host can show it; the PDF is stored with the job (hosts share
nothing but the database). A job that has not moved for ``STALLED_AFTER`` (its process was
restarted) shows as stalled and can be started again.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import select

from ..domain.errors import ValidationError
from ..extensions import db
from ..models import CardRange, PrintJob, User
from ..models.types import utcnow
from . import audit, cards

log = logging.getLogger(__name__)
STALLED_AFTER = timedelta(minutes=2)
COMMIT_EVERY = 50  # cards between two progress commits


def start(actor: User | None, card_range: CardRange, first: int | None, last: int | None,
          base_url: str) -> PrintJob:
    """A queued job for serials ``first``–``last`` of the range (default: all of it).

    ValidationError outside the range (``cards.check_sheet_range``)."""
    first, last = cards.check_sheet_range(card_range, first, last)
    job = PrintJob(range_id=card_range.id, first_serial=first, last_serial=last, base_url=base_url,
                   status="queued", done=0, total=last - first + 1, error="",
                   created_by=actor.id if actor else None)
    db.session.add(job)
    db.session.flush()
    audit.record(actor, "card_sheet.print", "print_job", job.id, None,
                 {"range_id": card_range.id, "first": first, "last": last})
    return job


def is_stalled(job: PrintJob, now: datetime | None = None) -> bool:
    """A queued or running job whose progress has not moved for ``STALLED_AFTER``."""
    return job.status in ("queued", "running") and job.updated_at < (now or utcnow()) - STALLED_AFTER


def restart(job: PrintJob) -> None:
    """Queue a failed or stalled job again from the start (ValidationError otherwise)."""
    if not (job.status == "failed" or is_stalled(job)):
        raise ValidationError("该打印任务正在进行或已完成", code="print_job_busy")
    job.status, job.done, job.error, job.updated_at = "queued", 0, "", utcnow()
    db.session.flush()


def run(job_id: int) -> None:
    """Render the job's sheet, committing progress as it goes; needs an app and request context
    (the sheet's template). Marks the job failed, with the reason, on any error."""
    job = db.session.get(PrintJob, job_id)
    if job is None or job.status not in ("queued",):
        return
    job.status, job.updated_at = "running", utcnow()
    db.session.commit()
    t0 = time.perf_counter()
    last_commit = [0]

    def progress(done: int, total: int) -> None:
        if done - last_commit[0] >= COMMIT_EVERY or done == total:
            job.done, job.updated_at = done, utcnow()
            db.session.commit()
            last_commit[0] = done

    try:
        card_range = db.session.get(CardRange, job.range_id)
        pdf = cards.card_sheet_pdf(card_range, job.base_url, job.first_serial, job.last_serial, progress)
    except Exception as e:  # any failure is the job's outcome, shown to the admin
        log.exception("打印任务 %s 失败", job_id)
        db.session.rollback()
        job = db.session.get(PrintJob, job_id)
        job.status, job.error, job.updated_at = "failed", str(getattr(e, "message", e))[:500], utcnow()
        db.session.commit()
        return
    job.pdf, job.status, job.done, job.seconds, job.updated_at = pdf, "done", job.total, \
        round(time.perf_counter() - t0, 2), utcnow()
    db.session.commit()


def launch(app, job_id: int, base_url: str) -> threading.Thread:
    """Run the job on a daemon thread with its own app and request context (and so its own
    session); the request context has the job's base URL, as the page that started it had."""
    def target():
        with app.app_context(), app.test_request_context(base_url=base_url):
            try:
                run(job_id)
            finally:
                db.session.remove()

    thread = threading.Thread(target=target, name=f"print-job-{job_id}", daemon=True)
    thread.start()
    return thread


def recent(street_id: int, limit: int = 10) -> list[tuple[PrintJob, CardRange]]:
    """The street's latest jobs with their ranges, newest first (PDF bytes not loaded)."""
    from ..models import Shop

    return list(db.session.execute(
        select(PrintJob, CardRange).join(CardRange, CardRange.id == PrintJob.range_id)
        .join(Shop, Shop.id == CardRange.shop_id).where(Shop.street_id == street_id)
        .order_by(PrintJob.id.desc()).limit(limit)).all())
