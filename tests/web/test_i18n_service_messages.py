"""Service messages made with values (``Msg(N_("… %(name)s …"), name=value)``) reach an English
reader in English, the value in place; a Chinese reader still reads the text the service wrote.

The catalog test walks the source: every ``N_("…")`` pattern with ``%(name)s`` placeholders in
creditstreet/ must have an English translation whose placeholders are exactly the pattern's (a
missing or misspelt name would leave Chinese on an English page, or raise KeyError when shown).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from babel.messages.pofile import read_po

import creditstreet
from creditstreet.domain.errors import FieldErrors, ValidationError
from creditstreet.domain.i18n import Msg, N_
from creditstreet.services import cards

from ..conftest import csrf_token

PACKAGE = Path(creditstreet.__file__).parent
EN_PO = PACKAGE / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)")


def marked_patterns() -> dict[str, str]:
    """Every string literal inside ``N_(…)`` that has a %(name) placeholder → where it is."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_"
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str) and PLACEHOLDER.search(node.args[0].value)):
                out.setdefault(node.args[0].value, f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return out


def test_every_marked_pattern_has_an_english_translation_with_the_same_placeholders():
    with EN_PO.open("rb") as fh:
        english = {m.id: m.string for m in read_po(fh, locale="en") if m.id}
    patterns = marked_patterns()
    assert len(patterns) > 100  # the walk finds the service messages (114 converted in Dec 2026)
    missing = [f"{where}: {p}" for p, where in patterns.items() if not english.get(p)]
    assert missing == []
    differ = [f"{where}: {p} → {english[p]}" for p, where in patterns.items()
              if sorted(set(PLACEHOLDER.findall(p))) != sorted(set(PLACEHOLDER.findall(english[p])))]
    assert differ == []


def test_msg_keeps_the_chinese_text_the_f_string_made():
    label, text = "卡号", "12x"
    message = Msg(N_("%(label)s“%(text)s”无效，应为不超过%(serial_digits)s位的数字"), label=Msg(label), text=text,
                  serial_digits=8)
    assert message == f"{label}“{text}”无效，应为不超过8位的数字"
    assert Msg(message) is message  # a Msg passed where a label is expected is not flattened


def test_field_errors_join_in_the_readers_language(app):
    from flask_babel import force_locale

    from creditstreet.web.scope import shown_message

    errors = FieldErrors({"a": "请填写事情经过", "b": Msg(N_("第%(n)s行扣押物品缺少品名"), n=2)})
    assert errors.message == "请填写事情经过；第2行扣押物品缺少品名"
    with app.test_request_context(), force_locale("en"):
        assert shown_message(errors.message) == "Please describe what happened; Row 2: seized goods need a name"


def english(client, path="/auth/login"):
    client.post("/auth/lang/en", data={"csrf_token": csrf_token(client, path)})


def test_card_check_error_in_english_names_the_typed_serial(client, street):
    english(client)
    html = client.get("/cards/verify?serial=12x").get_data(as_text=True)
    assert "Card number “12x” is invalid; it must be a number of at most 8 digits" in html
    assert "无效" not in html
    try:
        cards.parse_serial("12x")
    except ValidationError as e:  # the service's own text is unchanged Chinese
        assert e.message == "卡号“12x”无效，应为不超过8位的数字"


def test_flashed_service_error_is_rendered_in_english_before_it_is_stored(client, login_as):
    login_as("admin", username="boss")
    english(client, "/admin/users")
    resp = client.post("/admin/users/new", data={
        "csrf_token": csrf_token(client, "/admin/users/new"), "username": "BOSS", "display_name": "重名的人",
        "role": "admin", "group_id": "0", "password": "long-enough-1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Username BOSS differs from the existing boss only in letter case; please choose another" in html
    assert "只差大小写" not in html


def test_setting_error_names_setting_value_and_reason_in_english(app):
    import pytest
    from flask_babel import force_locale

    from creditstreet.domain.settings import RuleSettings
    from creditstreet.web.scope import shown_message

    with pytest.raises(ValidationError) as info:
        RuleSettings.from_mapping({"min_months_open": "25"})  # the range is 0–24 months
    message = info.value.errors["min_months_open"]
    assert message == "设置“参评最短开业月数”的值“25”无效：应在0到24之间"
    with app.test_request_context(), force_locale("en"):
        assert shown_message(message) == ("The value “25” of the setting “Minimum months open to be rated” is invalid: "
                                          "must be between 0 and 24")
