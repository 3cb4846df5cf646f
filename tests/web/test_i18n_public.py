"""QA: the English switch left the public pages, the awards page and the role shell largely Chinese."""
import re

from creditstreet.extensions import db
from creditstreet.models import CreditGrade
from creditstreet.domain.time import Quarter

from .. import factories
from ..conftest import csrf_token

CJK = re.compile(r"[\u4e00-\u9fff]")


def _english(client, form_page="/auth/login"):
    client.post("/auth/lang/en", data={"csrf_token": csrf_token(client, form_page)})


def _chinese_bits(html, data=()):
    """Text nodes still holding Chinese, leaving out the data shown on the page and the 中文 switch."""
    text = re.sub(r"<[^>]+>", "\n", html)
    bits = {t.strip() for t in text.split("\n") if CJK.search(t)}
    return {b for b in bits if b != "中文" and not any(d in b for d in data)}


def test_public_pages_are_english_after_the_switch(client, street):
    shop = factories.make_shop(street, name="张记面馆", house_number="3号", industry="服装", ownership="private")
    db.session.add(CreditGrade(shop_id=shop.id, quarter="2026Q3", as_of=Quarter(2026, 3).end_utc(), grade="A",
                               stars=4, criteria=[]))
    db.session.commit()
    _english(client)
    data = ("张记面馆", "3号", "服装", street.name) + tuple(h["label"] for h in street.hotlines)
    board = client.get("/").get_data(as_text=True)
    assert "Verify a credit card" in board and "验证信誉卡" not in board
    assert _chinese_bits(board, data) == set()
    page = client.get(f"/shops/{shop.id}").get_data(as_text=True)
    assert "Back to the notice board" in page and "Star history" in page and "Private enterprise" in page
    assert _chinese_bits(page, data) == set()
    form = client.get("/complaints/new").get_data(as_text=True)
    assert "What happened" in form and "Phone (mobile or landline)" in form and "事情经过" not in form
    track = client.get("/track").get_data(as_text=True)
    assert "Tracking code" in track and _chinese_bits(track, data) == set()
    verify = client.get("/cards/verify").get_data(as_text=True)
    assert "Verify a product quality credit card" in verify and _chinese_bits(verify, data) == set()


def test_admin_awards_page_and_logout_in_english(client, login_as):
    login_as("admin", display_name="专班管理员")
    _english(client, "/admin/awards?year=2025")
    html = client.get("/admin/awards?year=2025").get_data(as_text=True)
    assert "Log out (专班管理员)" in html and "Step 1: generate the proposed list" in html
    assert _chinese_bits(html, ("专班管理员",)) == set()
