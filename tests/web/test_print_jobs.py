"""Card sheets of any length (issue 17): up to 500 cards at once, more as a job with progress."""
from datetime import date, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from creditstreet.extensions import db
from creditstreet.models import AuditEntry, PrintJob, utcnow
from creditstreet.services import cards, print_jobs
from tests import factories
from tests.conftest import csrf_token


@pytest.fixture
def card_range(app, street):
    admin = factories.make_user("admin", street=street)
    shop = factories.make_shop(street, "某某店", phone="0719-8117836")
    batch = cards.register_batch(admin, street, "一批", 1, 40000)
    rng = cards.issue_range(admin, batch, shop, 101, 720, date(2026, 3, 1))  # 620 cards
    db.session.commit()
    return rng


@pytest.fixture
def launched(monkeypatch):
    """The job threads the views start, recorded instead of started: the test runs them itself."""
    calls = []
    monkeypatch.setattr(print_jobs, "launch", lambda app, job_id, base_url: calls.append((job_id, base_url)))
    return calls


def _print(client, rng, first, last):
    token = csrf_token(client, "/admin/cards")
    return client.post(f"/admin/cards/ranges/{rng.id}/print", data={"csrf_token": token, "first": first, "last": last})


def test_a_short_print_downloads_at_once_and_a_long_one_is_never_cut_silently(client, login_as, card_range,
                                                                             launched):
    login_as("admin")
    resp = _print(client, card_range, "00000101", "110")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(
        f"/admin/cards/ranges/{card_range.id}/sheet.pdf?first=101&last=110")
    pdf = client.get(resp.headers["Location"])
    assert pdf.mimetype == "application/pdf" and len(PdfReader(BytesIO(pdf.data)).pages) == 1
    # 101–720 is 620 cards: the direct download refuses with a reason instead of stopping at 100
    # (a longer sheet runs as a job with progress: a 100-card sheet takes about 3 s).
    whole = client.get(f"/admin/cards/ranges/{card_range.id}/sheet.pdf")
    assert whole.status_code == 302
    assert "共 620 张，超过 100 张的打印请在下方“打印卡片”中提交" in client.get("/admin/cards").get_data(as_text=True)
    bad = _print(client, card_range, "90", "200")
    assert bad.status_code == 302 and "打印编号应在 00000101–00000720 之内" in client.get("/admin/cards").get_data(
        as_text=True)
    assert launched == [] and db.session.query(PrintJob).count() == 0


def test_a_long_print_runs_as_a_job_with_progress_and_a_download(app, client, login_as, card_range, launched):
    login_as("admin")
    resp = _print(client, card_range, "101", "720")
    job = db.session.query(PrintJob).one()
    assert resp.headers["Location"].endswith(f"/admin/cards/prints/{job.id}")
    assert (job.status, job.done, job.total, job.first_serial, job.last_serial) == ("queued", 0, 620, 101, 720)
    assert launched == [(job.id, job.base_url)]
    assert db.session.query(AuditEntry).filter_by(action="card_sheet.print").count() == 1
    page = client.get(f"/admin/cards/prints/{job.id}").get_data(as_text=True)
    assert "已生成 0 / 620 张" in page and "data-poll=" in page and "下载 PDF" not in page
    assert client.get(f"/admin/cards/prints/{job.id}/status.json").get_json() == {
        "status": "queued", "done": 0, "total": 620, "stalled": False, "label": "已生成 0 / 620 张"}

    seen = []
    real_pdf = cards.card_sheet_pdf

    def watching(*args, **kw):  # the progress the page would show, read from the database mid-way
        progress = args[4] if len(args) > 4 else kw.get("progress")

        def spy(done, total):
            progress(done, total)
            seen.append(db.session.get(PrintJob, job.id).done)
        return real_pdf(*args[:4], spy)

    cards.card_sheet_pdf, saved = watching, cards.card_sheet_pdf
    try:
        with app.test_request_context(base_url=job.base_url):
            print_jobs.run(job.id)
    finally:
        cards.card_sheet_pdf = saved
    db.session.expire_all()
    job = db.session.get(PrintJob, job.id)
    assert job.status == "done" and job.done == 620 and job.seconds is not None
    # Progress was committed every 50 cards (a page is 10): 50, 100, … 600, then 620 at the end.
    assert sorted(set(seen)) == [0, *range(50, 601, 50), 620] and seen[-1] == 620
    page = client.get(f"/admin/cards/prints/{job.id}").get_data(as_text=True)
    assert "已完成" in page and "data-poll=" not in page
    pdf = client.get(f"/admin/cards/prints/{job.id}/sheet.pdf")
    reader = PdfReader(BytesIO(pdf.data))
    assert len(reader.pages) == 62  # 620 cards, 10 a page
    assert "No. 00000720" in reader.pages[61].extract_text() and "No. 00000101" in reader.pages[0].extract_text()
    assert "打印任务" in client.get("/admin/cards").get_data(as_text=True)


def test_a_failed_or_stalled_job_says_so_and_can_be_started_again(app, client, login_as, card_range, launched):
    login_as("admin")
    _print(client, card_range, "101", "720")
    job = db.session.query(PrintJob).one()
    page = client.get(f"/admin/cards/prints/{job.id}").get_data(as_text=True)
    assert "任务已中断" not in page
    token = csrf_token(client, "/admin/cards")
    busy = client.post(f"/admin/cards/prints/{job.id}/restart", data={"csrf_token": token})
    assert "该打印任务正在进行或已完成" in client.get(busy.headers["Location"]).get_data(as_text=True)
    job.updated_at = utcnow() - timedelta(minutes=5)  # its worker was restarted: no progress since
    db.session.commit()
    page = client.get(f"/admin/cards/prints/{job.id}").get_data(as_text=True)
    assert "任务已中断" in page and "data-poll=" not in page
    assert client.post(f"/admin/cards/prints/{job.id}/restart", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(PrintJob, job.id).status == "queued" and len(launched) == 2
    assert client.get(f"/admin/cards/prints/{job.id}/sheet.pdf").status_code == 404  # nothing to download yet


def test_print_jobs_are_the_admins_of_the_street_only(client, login_as, card_range, launched):
    login_as("inspector")
    assert client.get("/admin/cards/prints/1").status_code == 403
