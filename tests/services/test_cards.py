"""Quality credit cards: batches, ranges, verification, sheets and the C4 escalation (SPEC C1–C4)."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from creditstreet.domain.errors import ValidationError
from creditstreet.extensions import db
from creditstreet.models import AuditEntry, BadRecord, CardCheck, Shop, Street
from creditstreet.services import cards
from tests import factories

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def admin(street):
    return factories.make_user("admin", street=street)


@pytest.fixture
def inspector(street):
    return factories.make_user("inspector", street=street)


def test_parse_serial_accepts_padding_and_fullwidth():
    assert cards.parse_serial("00120001") == 120001
    assert cards.parse_serial(" １２０００１ ") == 120001  # NFKC: full-width digits
    for bad in ("", "12a", "0", "123456789"):
        with pytest.raises(ValidationError):
            cards.parse_serial(bad)


def test_issue_refuses_overlap_and_out_of_batch_naming_the_range(street, admin):
    batch = cards.register_batch(admin, street, "2026年第一批", 120001, 160000)  # 40,000 cards
    shop = factories.make_shop(street, "某某店")
    other = factories.make_shop(street, "张记面馆")
    cards.issue_range(admin, batch, shop, 120001, 120500, date(2026, 3, 1))

    with pytest.raises(ValidationError) as e:  # 120400–120600 shares 120400–120500 with 某某店
        cards.issue_range(admin, batch, other, 120400, 120600, date(2026, 3, 2))
    assert e.value.message == "与已发放的 00120001–00120500（某某店）重叠"

    with pytest.raises(ValidationError) as e:  # the very last issued serial also clashes
        cards.issue_range(admin, batch, other, 120500, 120500, date(2026, 3, 2))
    assert "00120001–00120500（某某店）" in e.value.message

    with pytest.raises(ValidationError) as e:  # 160001 is past the batch's last serial 160000
        cards.issue_range(admin, batch, other, 159990, 160010, date(2026, 3, 2))
    assert "超出印制批次 00120001–00160000" in e.value.message

    # Adjacent range starting right after 120500 is fine.
    second = cards.issue_range(admin, batch, other, 120501, 121000, date(2026, 3, 2))
    assert (second.first_serial, second.last_serial) == (120501, 121000)


def test_batches_cannot_overlap(street, admin):
    cards.register_batch(admin, street, "一批", 1, 40000)
    with pytest.raises(ValidationError) as e:
        cards.register_batch(admin, street, "二批", 40000, 50000)
    assert "00000001–00040000（一批）" in e.value.message


def test_verification_states(street, admin):
    batch = cards.register_batch(admin, street, "一批", 1, 40000)
    shop = factories.make_shop(street, "某某店")
    cards.issue_range(admin, batch, shop, 1, 500, date(2026, 3, 1))

    v = cards.verify(500)
    assert (v.state, v.shop.name, v.genuine) == ("issued", "某某店", True)
    assert v.text == "真卡，已发放给 某某店"
    v = cards.verify(501)
    assert (v.state, v.shop, v.genuine) == ("not_issued", None, True)
    assert v.text == "真卡但尚未发放"
    v = cards.verify(40001)
    assert (v.state, v.genuine) == ("forged", False)
    assert v.text == "该编号不在已登记的印制批次中，可能是伪造卡"


def test_card_sheet_is_a_pdf(app, street, admin):
    from io import BytesIO

    from pypdf import PdfReader
    from weasyprint import HTML

    batch = cards.register_batch(admin, street, "一批", 1, 40000)
    shop = factories.make_shop(street, "某某店", phone="0719-8117836")
    rng = cards.issue_range(admin, batch, shop, 1, 12, date(2026, 3, 1))
    with app.test_request_context(base_url="https://jie.example.cn"):
        pdf = cards.card_sheet_pdf(rng, "https://jie.example.cn", 1, 12)
        faces_html = _faces_html(rng)
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    reader = PdfReader(BytesIO(pdf))
    # 12 cards at 10 a page → 2 pages of A4 (595.3 × 841.9 pt).
    assert len(reader.pages) == 2
    assert [round(float(v), 1) for v in reader.pages[0].mediabox] == [0, 0, 595.3, 841.9]
    text = reader.pages[0].extract_text() + reader.pages[1].extract_text()
    assert all(f"No. {n:08d}" in text for n in range(1, 13)) and "No. 00000013" not in text
    assert "某某店" in text and "0719-8117836" in text  # the face, in the CJK font
    # Each card box of the face page is 90 × 54 mm = 340.2 × 204.1 CSS px (96 px per 25.4 mm).
    doc = HTML(string=faces_html).render()
    sizes = _card_box_sizes(doc.pages[0]._page_box)
    assert len(sizes) == 10 and all(s == (340.2, 204.1) for s in sizes)
    assert b"NotoSansCJK" in _pdf_objects(pdf)  # the CJK font is embedded, so Chinese prints
    with pytest.raises(ValidationError):
        cards.card_sheet_pdf(rng, "https://jie.example.cn", 1, 13)  # outside the range


def _faces_html(rng):
    from flask import render_template

    from creditstreet.services.card_sheets import GEOMETRY

    shop = db.session.get(Shop, rng.shop_id)
    return render_template("pdf/card_faces.html", positions=GEOMETRY.positions(), g=GEOMETRY, shop=shop,
                           street=db.session.get(Street, shop.street_id), hotlines=[])


def test_each_qr_code_drawn_is_the_serials_verification_address():
    """The overlay's rectangles, read back module by module, are segno's code for the card's URL."""
    import re

    import segno

    from creditstreet.services.card_sheets import GEOMETRY, PT_PER_MM, page_overlay

    url = "https://jie.example.cn/cards/verify?serial=00000007"
    ops = page_overlay([{"serial": "00000007", "url": url}]).decode()
    assert "(No. 00000007) Tj" in ops
    want = segno.make(url, error="m", mask=0, boost_error=False).matrix
    n = len(want) + 2
    m = GEOMETRY.qr / n * PT_PER_MM
    x, y = GEOMETRY.card_origin(0)
    x0 = (x + GEOMETRY.card_w - GEOMETRY.border - GEOMETRY.inset - GEOMETRY.qr) * PT_PER_MM + m
    top = (GEOMETRY.page_h - (y + GEOMETRY.card_h - GEOMETRY.border - GEOMETRY.inset - GEOMETRY.qr)) * PT_PER_MM - m
    got = [[0] * len(want) for _ in want]
    for rx, ry, rw, _ in (map(float, r) for r in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re", ops)):
        row = round((top - ry) / m) - 1
        for c in range(round((rx - x0) / m), round((rx - x0 + rw) / m)):
            got[row][c] = 1
    assert got == [[1 if v else 0 for v in r] for r in want]
    assert segno.make(url, error="m", mask=0).mask == 0  # a fixed mask is still a valid code


def _pdf_objects(pdf: bytes) -> bytes:
    """All Flate streams of a PDF decompressed (objects live in compressed object streams)."""
    import re
    import zlib

    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass  # an uncompressed stream (fonts, images): no text of ours in it
    return b"\n".join(out)


def _card_box_sizes(box):
    found = []
    if getattr(box, "element_tag", None) == "div" and "card" in (box.element.get("class") or "").split():
        return [(round(box.border_width(), 1), round(box.border_height(), 1))]
    for child in getattr(box, "children", []):
        found += _card_box_sizes(child)
    return found


def _at(y, m, d, hh=10, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=SH)


def test_card_check_escalation_steps(street, inspector, admin):
    shop = factories.make_shop(street)
    batch = cards.register_batch(admin, street, "第一批", 1, 1000)
    cards.issue_range(admin, batch, shop, 1, 100, date(2025, 1, 1))
    # Card given (serial 17 is this shop's own card): nothing happens.
    ok = cards.record_card_check(inspector, shop, 17, True, at=_at(2025, 6, 1))
    assert ok.consequence == "none"
    # 1st miss: no earlier miss → verbal warning, logged, not a bad record.
    first = cards.record_card_check(inspector, shop, None, False, "顾客未拿到卡", at=_at(2025, 6, 10))
    assert first.consequence == "verbal_warning"
    assert first.id in [int(a.entity_id) for a in AuditEntry.query.filter_by(action="card_check.record")]
    assert BadRecord.query.count() == 0
    # 2nd miss 2025-09-01: window [2024-09-01, 2025-09-01) holds the 06-10 miss → yellow card.
    second = cards.record_card_check(inspector, shop, None, False, at=_at(2025, 9, 1))
    assert second.consequence == "yellow_card"
    rec = BadRecord.query.filter_by(card_check_id=second.id).one()
    assert (rec.kind, rec.shop_id) == ("yellow_card", shop.id)
    # 3rd miss: two earlier in the year → another yellow card.
    third = cards.record_card_check(inspector, shop, None, False, at=_at(2025, 10, 1))
    assert third.consequence == "yellow_card"
    assert BadRecord.query.count() == 2


def test_miss_exactly_twelve_months_before_counts_but_not_a_second_earlier(street, inspector):
    shop = factories.make_shop(street)
    other = factories.make_shop(street)
    cards.record_card_check(inspector, shop, None, False, at=_at(2025, 1, 15, 9))
    cards.record_card_check(inspector, other, None, False, at=_at(2025, 1, 15, 9))
    # Window of 2026-01-15 09:00 is [2025-01-15 09:00, …): the earlier miss sits on its start → counts.
    on_edge = cards.record_card_check(inspector, shop, None, False, at=_at(2026, 1, 15, 9))
    assert on_edge.consequence == "yellow_card"
    # One second later the window starts at 09:00:01, so the miss at 09:00:00 is out → verbal again.
    past_edge = cards.record_card_check(inspector, other, None, False, at=_at(2026, 1, 15, 9, 0, 1))
    assert past_edge.consequence == "verbal_warning"
    # Misses of another shop never count.
    assert db_count_yellow(shop) == 1 and db_count_yellow(other) == 0


def db_count_yellow(shop):
    from creditstreet.extensions import db

    return len(db.session.scalars(select(CardCheck).where(CardCheck.shop_id == shop.id,
                                                           CardCheck.consequence == "yellow_card")).all())


def test_card_of_another_shop_or_forged_serial_is_flagged_and_counts_as_a_miss(street, inspector, admin):
    """QA: serial 150 (issued to another shop) on shop 32 counted as "given"; fake 99999 recorded silently."""
    batch = cards.register_batch(admin, street, "第一批", 1, 40000)
    first = factories.make_shop(street, "范磊超市")
    shop = factories.make_shop(street, "熊记超市行")
    cards.issue_range(admin, batch, first, 1, 200, date(2025, 1, 1))
    cards.issue_range(admin, batch, shop, 201, 400, date(2025, 1, 1))
    own = cards.record_card_check(inspector, shop, 250, True, at=_at(2025, 6, 1))
    assert (own.card_given, own.consequence, own.note) == (True, "none", "")
    # 150 lies in 1–200, 范磊超市's range: this shop's card did not go with the goods → 1st miss in
    # the year → verbal warning, the reason first in the note.
    other = cards.record_card_check(inspector, shop, 150, True, "顾客出示", at=_at(2025, 6, 10))
    assert (other.card_given, other.consequence, other.serial) == (False, "verbal_warning", 150)
    assert other.note == "此卡属于 范磊超市，不是本店发放的卡，按未随货同行处理。顾客出示"
    assert cards.serial_problem(shop, 150) == "此卡属于 范磊超市，不是本店发放的卡"
    # 99999 is in no batch (1–40000): suspected forgery → 2nd miss within the year → yellow card.
    fake = cards.record_card_check(inspector, shop, 99999, True, at=_at(2025, 7, 1))
    assert (fake.card_given, fake.consequence) == (False, "yellow_card")
    assert fake.note.startswith("该编号不在登记批次中（疑似伪造卡）")
    assert BadRecord.query.filter_by(card_check_id=fake.id).count() == 1
    # 30000 is genuine but issued to nobody: not this shop's card either.
    assert cards.serial_problem(shop, 30000) == "该编号尚未发放给任何商户"


def test_same_submission_token_records_one_check(street, inspector):
    shop = factories.make_shop(street)
    one = cards.record_card_check(inspector, shop, None, False, at=_at(2025, 6, 1), submission_token="tok-1")
    again = cards.record_card_check(inspector, shop, None, False, at=_at(2025, 6, 1), submission_token="tok-1")
    assert again.id == one.id and one.consequence == "verbal_warning"
    assert CardCheck.query.count() == 1 and BadRecord.query.count() == 0
