"""SPEC §13 on the pages: the board's commitment filter, shop pages, admin ledger, open data, the sign."""
import io
import json
import re
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pytest

from creditstreet.extensions import db
from creditstreet.models import Commitment, Complaint, CreditGrade, FundEntry, utcnow

from .. import factories
from ..conftest import csrf_token

PHONE = re.compile(r"1[3-9]\d{9}")


@pytest.fixture
def promised(street):
    keep = factories.make_shop(street, name="守信服装店", house_number="8号", principal="王老板", phone="13912345678")
    other = factories.make_shop(street, name="普通杂货店", house_number="9号")
    db.session.add(Commitment(shop_id=keep.id, kind="no_reason_returns", return_days=7, categories="服装、鞋帽",
                              exclusions="内衣", conditions="吊牌完好", status="approved"))
    db.session.add(Commitment(shop_id=other.id, kind="no_reason_returns", return_days=7, categories="杂货",
                              status="pending"))
    db.session.add(CreditGrade(shop_id=keep.id, quarter="2026Q3", as_of=utcnow(), grade="C", stars=2,
                               reasons=[]))
    db.session.add(Complaint(street_id=street.id, shop_id=keep.id, kind="complaint", tracking_code="TSOPENDATA1",
                             consumer_name="李小红", consumer_phone="13800138000", description="电话13800138000",
                             status="closed", outcome="agreement", money_recovered_fen=9900,
                             received_at=utcnow()))
    db.session.commit()
    return keep, other


def test_board_filters_to_shops_with_no_reason_returns(client, promised):
    keep, other = promised
    html = client.get("/", query_string={"commit": "no_reason_returns"}).get_data(as_text=True)
    # Only the approved commitment counts: the pending one is not public yet.
    assert "守信服装店" in html and "普通杂货店" not in html and "共 1 户经营户" in html
    assert "普通杂货店" in client.get("/").get_data(as_text=True)


def test_shop_page_shows_terms_figures_and_a_complaint_link(client, promised):
    keep, _ = promised
    html = client.get(f"/shops/{keep.id}").get_data(as_text=True)
    assert "7天无理由退货" in html and "服装、鞋帽" in html and "内衣" in html and "吊牌完好" in html
    assert "收到投诉</dt><dd>1 件" in html and "99.00" in html
    assert f"/complaints/new?shop={keep.id}&amp;subject=broken_commitment" in html
    form = client.get(f"/complaints/new?shop={keep.id}&subject=broken_commitment").get_data(as_text=True)
    assert '<option selected value="broken_commitment">' in form and 'checked id="shop_id-0"' in form
    for secret in ("13800138000", "李小红", "13912345678", "王老板"):
        assert secret not in html


def test_admin_fund_ledger_refuses_a_payout_above_the_balance(client, login_as, street, promised):
    keep, _ = promised
    login_as("admin")
    c = Complaint(street_id=street.id, shop_id=keep.id, kind="complaint", tracking_code="TSFUND00001",
                  consumer_phone="13800138000", status="closed", outcome="no_agreement", shop_at_fault=True)
    db.session.add(c)
    db.session.commit()
    token = csrf_token(client, "/admin/fund")
    r = client.post("/admin/fund", data={"csrf_token": token, "kind": "deposit", "amount": "10000"})
    assert r.status_code == 302
    r = client.post("/admin/fund", data={"csrf_token": token, "kind": "payout", "amount": "10000.01",
                                         "tracking_code": "TSFUND00001"})
    assert r.status_code == 400 and "超过基金余额" in r.get_data(as_text=True)
    r = client.post("/admin/fund", data={"csrf_token": token, "kind": "payout", "amount": "398",
                                         "tracking_code": "tsfund00001"})
    assert r.status_code == 302
    assert "9,602.00" in client.get("/admin/fund").get_data(as_text=True)  # 10,000.00 − 398.00
    wb = openpyxl.load_workbook(io.BytesIO(client.get("/admin/fund/export.xlsx").data))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[-1][1] == "余额" and float(rows[-1][2]) == 9602.0
    assert all("TSFUND" not in str(v) for row in rows for v in row)  # no tracking codes in exports
    assert db.session.query(FundEntry).count() == 2


def _open_data_files(client):
    index = client.get("/open-data/").get_data(as_text=True)
    assert "开放数据" in index and "可自由复制" in index
    links = sorted(set(re.findall(r'href="(/open-data/[^"]+)"', index)))
    assert len(links) == 12  # 3 datasets × 2 formats × (city + 1 street)
    return {link: client.get(link.replace("&amp;", "&")) for link in links}


def test_open_data_has_no_personal_data_and_no_grades(client, promised):
    keep, _ = promised
    files = _open_data_files(client)
    for link, r in files.items():
        assert r.status_code == 200, link
        text = r.get_data(as_text=True)
        for secret in ("13800138000", "13912345678", "李小红", "王老板", "TSOPENDATA1"):
            assert secret not in text, (link, secret)
        assert not PHONE.search(text), link
        if link.split("?")[0].endswith(".csv"):
            assert r.data.startswith("\ufeff".encode()), link  # UTF-8 with BOM
            header = text.lstrip("\ufeff").splitlines()[0]
        else:
            payload = json.loads(text)
            assert payload["licence"] and payload["date"]
            header = ",".join(payload["columns"])
            for row in payload["rows"]:  # no grade letter in any column that could hold one
                assert not any(str(v) in ("A", "B", "C") for v in row.values()), row
        assert "等级" not in header and "grade" not in header.lower()
    shops_json = json.loads(files["/open-data/shops.json"].get_data(as_text=True))
    row = next(r for r in shops_json["rows"] if r["商户名称"] == "守信服装店")
    assert row["当前星级"] == 2
    commitments_csv = files["/open-data/commitments.csv"].get_data(as_text=True)
    assert "守信服装店" in commitments_csv and "普通杂货店" not in commitments_csv


def test_open_data_csv_is_formula_safe(client, street):
    factories.make_shop(street, name="=HYPERLINK(\"http://x\")")
    db.session.commit()
    text = client.get("/open-data/shops.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text


def test_commitment_sign_pdf_qr_decodes_to_the_shop_page(client, login_as, promised):
    keep, _ = promised
    login_as("admin")
    c = db.session.query(Commitment).filter_by(shop_id=keep.id).one()
    r = client.get(f"/admin/commitments/{c.id}/sign.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "sign.pdf"
        pdf.write_bytes(r.data)
        subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(Path(tmp) / "page")], check=True)
        page = sorted(Path(tmp).glob("page*.png"))[0]
        out = subprocess.run(["zbarimg", "--quiet", "--raw", str(page)], capture_output=True, text=True)
        assert out.stdout.strip() == f"http://localhost/shops/{keep.id}"


def test_open_data_files_never_bind_one_parameter_per_shop(client, street):
    # A city's file lists 100,000 shops; PostgreSQL refuses a statement with over 65,535 parameters
    # (the shops file once sent every shop id as one). With 150 shops, no statement may carry 150.
    from sqlalchemy import event

    for n in range(150):
        factories.make_shop(street, f"参数店{n}")
    db.session.commit()
    most = []

    def count(conn, cursor, statement, parameters, context, executemany):
        most.append(len(parameters) if isinstance(parameters, (dict, list, tuple)) else 0)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        files = _open_data_files(client)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert files["/open-data/shops.csv"].get_data(as_text=True).count("参数店") == 150
    assert most and max(most) < 150, max(most)
