"""An admin prints 1,000 quality credit cards in a real browser (issue 17): a job with progress, then the PDF."""
from io import BytesIO

import pytest
from pypdf import PdfReader


# Printing card sheets is desk work: the 1,000-card job runs once, at desktop size.
@pytest.mark.parametrize("site", ["desktop"], indirect=True)
def test_g_admin_prints_a_thousand_cards_as_a_job(journey, site):
    j = journey("g-cards")
    page = j.page
    j.login("admin")
    j.goto("/admin/cards")
    # A second batch and a 1,000-card range for another shop, through the page's own forms.
    page.fill("#batch-name", "2026年第二批")
    page.fill("#batch-first", "1001")
    page.fill("#batch-last", "3000")
    page.click("form:has(#batch-first) button[type=submit]")
    page.select_option("#issue-batch_id", label="2026年第二批（00001001–00003000）")
    page.fill("#issue-shop", "张记化妆品")
    page.fill("#issue-first", "1001")
    page.fill("#issue-last", "2000")
    page.click("form:has(#issue-first) button[type=submit]")
    assert "00001001–00002000" in page.inner_text("main")
    j.shot("issued")
    row = page.locator("#ranges tr", has_text="00001001–00002000")
    row.locator("button[type=submit]").click()
    assert "/admin/cards/prints/" in page.url
    assert "已生成" in page.inner_text("main") and page.locator("#print-progress").count() == 1
    j.shot("progress")
    page.wait_for_selector("#print-download", timeout=180_000)  # the page polls the job and reloads when done
    assert "已生成 1000 / 1000 张" in page.inner_text("main")
    j.shot("done")
    with page.expect_download() as info:
        page.click("#print-download")
    pdf = PdfReader(BytesIO(open(info.value.path(), "rb").read()))
    assert len(pdf.pages) == 100
    assert "No. 00001001" in pdf.pages[0].extract_text() and "No. 00002000" in pdf.pages[99].extract_text()
    j.finish()
