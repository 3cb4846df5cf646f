"""One username rule wherever accounts are created: admin form, `flask users create`, merchant sign-up
(QA: sign-up accepted "shop 102!"). Accounts made before the rule keep logging in."""
from sqlalchemy import select

from creditstreet.extensions import db
from creditstreet.models import User
from creditstreet.services.merchant import accounts as merchant_accounts

from .. import factories
from ..conftest import csrf_token, login

RULE = "用户名须为3至30个字符，只能使用英文字母、数字和 _ - .（不能有空格、汉字或其他符号）"


def _names():
    return set(db.session.scalars(select(User.username)))


def test_signup_refuses_a_name_with_a_space_and_keeps_what_was_typed(app, client, street):
    shop = factories.make_shop(street)
    admin = factories.make_user("admin", username="boss", street=street)
    _, code = merchant_accounts.create_invitation(admin, shop)
    db.session.commit()
    token = csrf_token(client, f"/auth/signup?code={code}")
    form = {"csrf_token": token, "code": code, "username": "shop 102!", "display_name": "李店长",
            "password": "password-123", "password2": "password-123"}
    resp = client.post("/auth/signup", data=form)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and RULE in page
    assert 'value="shop 102!"' in page and 'value="李店长"' in page
    assert _names() == {"boss"}
    ok = client.post("/auth/signup", data={**form, "username": "shop-102"})  # the code is still unused
    assert ok.status_code == 302 and _names() == {"boss", "shop-102"}


def test_the_admin_form_refuses_a_two_character_name(client, login_as):
    login_as("admin", username="boss")
    token = csrf_token(client, "/admin/users/new")
    resp = client.post("/admin/users/new", data={"csrf_token": token, "username": "wz", "display_name": "王征",
                                                 "role": "admin", "group_id": "0", "password": "long-enough-1"})
    page = resp.get_data(as_text=True)
    assert RULE in page and 'value="wz"' in page and _names() == {"boss"}
    assert "3至30个字符：英文字母、数字和 _ - ." in client.get("/admin/users/new").get_data(as_text=True)


def test_the_cli_refuses_a_chinese_name(app, runner):
    bad = runner.invoke(args=["users", "create", "王巡查", "--role", "admin", "--password", "long-enough-1"])
    assert bad.exit_code != 0 and RULE in bad.output and _names() == set()
    ok = runner.invoke(args=["users", "create", "wang.xc", "--role", "admin", "--password", "long-enough-1"])
    assert ok.exit_code == 0, ok.output
    assert _names() == {"wang.xc"}


def test_an_account_made_before_the_rule_still_logs_in(app, client, street):
    factories.make_user("merchant", username="shop 7", street=street, shop_id=factories.make_shop(street).id)
    db.session.commit()
    resp = login(client, "shop 7", factories.PASSWORD)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/merchant/")
