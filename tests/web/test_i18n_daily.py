"""English mode for the consumer's leftovers (issue 17): the 404 page, goods categories, the
complaint form's validation messages, the stars' screen-reader text."""
import pytest
from flask_babel import force_locale, gettext

from creditstreet.extensions import db
from creditstreet.models import CreditGrade
from creditstreet.domain.time import Quarter

from .. import factories
from ..conftest import csrf_token


@pytest.fixture
def english(app, client):
    with app.test_request_context(), force_locale("en"):
        assert gettext("页面不存在") != "页面不存在", "the English catalog lacks the 404 page's title"
    client.post("/auth/lang/en", data={"csrf_token": csrf_token(client, "/auth/login")})
    return client


def test_404_page_and_goods_categories_and_errors_in_english(english, street):
    shop = factories.make_shop(street, name="张记面馆")
    db.session.commit()
    assert "Page not found" in english.get("/no-such-page").get_data(as_text=True)
    form = english.get("/complaints/new").get_data(as_text=True)
    assert ">Food<" in form and ">Cosmetics<" in form
    html = english.post("/complaints/new", data={"csrf_token": csrf_token(english, "/complaints/new"),
                                                 "consumer_phone": "", "shop_id": str(shop.id)}).get_data(as_text=True)
    assert "Please enter a mobile or landline number" in html and "Please describe what happened" in html


def test_screen_reader_stars_read_as_words(english, street):
    shop = factories.make_shop(street, name="张记面馆")
    db.session.add(CreditGrade(shop_id=shop.id, quarter="2026Q3", as_of=Quarter(2026, 3).end_utc(), grade="A",
                               stars=4, criteria=[]))
    db.session.commit()
    html = english.get("/").get_data(as_text=True)
    assert '<span class="sr-only">4-star</span>' in html and "4stars" not in html


def test_an_inspectors_action_buttons_say_what_they_do(english, login_as, street):
    # QA: the buttons read "Accepted" / "Not accepted" (the states' words); the same Chinese word is
    # a button (pgettext "button") and a state, each translated as what it is
    from creditstreet.services import complaints as svc

    shop = factories.make_shop(street, name="张记面馆")
    inspector = login_as("inspector")
    c, _ = svc.file_complaint(None, street, {"kind": "complaint", "shop_id": shop.id, "description": "面里有头发",
                                             "consumer_phone": "13800138000"}, None)
    svc.take_complaint(inspector, c)
    db.session.commit()
    english.post("/auth/lang/en", data={"csrf_token": csrf_token(english, "/inspector/")})
    html = english.get(f"/inspector/complaints/{c.id}").get_data(as_text=True)
    assert ">Accept</button>" in html and ">Refuse</button>" in html
    assert "Accepted</button>" not in html and "Not accepted</button>" not in html
