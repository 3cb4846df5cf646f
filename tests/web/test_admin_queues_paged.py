"""The admin's ledgers and queues are paged, 50 a page (SPEC Y3), and the Excel ledger is whole."""
import io
from datetime import datetime, timedelta, timezone

import openpyxl

from creditstreet.extensions import db
from creditstreet.models import Commitment, FundEntry

from .. import factories


def test_fund_ledger_pages_newest_first_and_the_export_keeps_every_entry(client, login_as, street):
    admin = login_as("admin")
    t0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
    for n in range(1, 54):  # deposits of 1…53 yuan, one a minute: the 53-yuan one is the newest
        db.session.add(FundEntry(street_id=street.id, kind="deposit", amount_fen=n * 100, at=t0 + timedelta(minutes=n),
                                 actor_id=admin.id))
    db.session.commit()
    first = client.get("/admin/fund").get_data(as_text=True)
    assert "<td>53.00</td>" in first and "<td>4.00</td>" in first and "<td>3.00</td>" not in first
    assert "第 1 / 2 页，共 53 条" in first
    second = client.get("/admin/fund?page=2").get_data(as_text=True)
    assert [f"<td>{n}.00</td>" in second for n in (3, 2, 1, 4)] == [True, True, True, False]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/admin/fund/export.xlsx").data)).active
    amounts = [r[2] for r in sheet.iter_rows(min_row=2, values_only=True)]
    # oldest first, then the balance 1 + 2 + … + 53 = 1431 yuan
    assert [float(a) for a in amounts] == [float(n) for n in range(1, 54)] + [1431.0]


def test_commitment_queue_pages_the_pending_declarations_oldest_first(client, login_as, street):
    login_as("admin")
    t0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
    for n in range(52):
        shop = factories.make_shop(street, f"承诺店{n:02d}")
        db.session.add(Commitment(shop_id=shop.id, kind="advance_compensation", status="pending",
                                  declared_at=t0 + timedelta(hours=n)))
    db.session.commit()
    first = client.get("/admin/commitments").get_data(as_text=True)
    assert "承诺店00" in first and "承诺店49" in first and "承诺店50" not in first
    assert "第 1 / 2 页，共 52 条" in first
    second = client.get("/admin/commitments?page=2").get_data(as_text=True)
    assert "承诺店50" in second and "承诺店51" in second and "承诺店49" not in second
