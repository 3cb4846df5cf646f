"""Every code the audit log can show has a Chinese label (issue 17, Admins; SPEC A1).

The codes are collected from the source with ``ast``: every ``audit.record(actor, action, entity,
id, before, after)`` call anywhere in creditstreet/ — its action, its entity, and the keys of its
before/after (dict literals and ``audit.snapshot(obj, fields)`` field tuples). Actions written as
f-strings are expanded by ``DYNAMIC_ACTIONS`` below; a new f-string call site fails the test until
its values are listed there. So a new action written without a label fails here, not in the
office's audit page.
"""
import ast
from pathlib import Path

import pytest

from creditstreet.domain.complaints import REPORT_ACTION_LABELS
from creditstreet.domain.promises import FUND_KINDS
from creditstreet.web.admin import audit as audit_view
from creditstreet.web.admin import audit_format

PKG = Path(__file__).resolve().parents[2] / "creditstreet"

#: f-string action (as written in the source) → the codes it writes; the values come from the
#: constants the call sites take them from.
DYNAMIC_ACTIONS = {
    "f'complaint.report_{action}'": [f"complaint.report_{a}" for a in REPORT_ACTION_LABELS],
    "f'fund.{kind}'": [f"fund.{k}" for k in FUND_KINDS],
    "f'settlement.{why}'": [f"settlement.{w}" for w in ("declined", "requested", "expired")],
    "f'{model.__tablename__}.deadline_recomputed'": [
        f"{t}.deadline_recomputed" for t in ("settlements", "objections", "credit_repairs")],
    "f'{record_type}.{action}'": [f"{t}.{a}" for t in ("violation", "bad_record") for a in ("void", "repair")],
}
#: Entities written through a variable, expanded the same way.
DYNAMIC_ENTITIES = {
    "model.__tablename__": ["settlements", "objections", "credit_repairs"],
    "record_type": ["violation", "bad_record"],
}


def _is_audit_record(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit")


def _module_tuples(tree: ast.Module) -> dict[str, tuple]:
    """Module-level NAME = ("a", "b", ...) constants (the snapshot field lists)."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
                out[node.targets[0].id] = value
    return out


def _strings(node: ast.AST) -> list[str]:
    """The action codes an argument can take: a literal, either branch of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def _keys(node: ast.AST, tuples: dict[str, tuple]) -> set[str]:
    """Field keys a before/after argument writes: dict-literal keys and snapshot field tuples."""
    keys = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Dict):
            keys |= {k.value for k in sub.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
        elif (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "snapshot"
              and len(sub.args) > 1):
            fields = sub.args[1]
            if isinstance(fields, ast.Name):
                keys |= set(tuples.get(fields.id, ()))
            else:
                for el in ast.walk(fields):
                    if isinstance(el, ast.Constant) and isinstance(el.value, str):
                        keys.add(el.value)
    return keys


def collect():
    """(actions, entities, fields, unexpanded): every code the source writes to the audit log."""
    actions, entities, fields, unexpanded = {}, {}, {}, []
    for path in sorted(PKG.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tuples = _module_tuples(tree)
        where = str(path.relative_to(PKG.parent))
        for node in ast.walk(tree):
            if not _is_audit_record(node):
                continue
            args = list(node.args) + [None] * 6
            kw = {k.arg: k.value for k in node.keywords}
            action, entity = args[1] or kw.get("action"), args[2] or kw.get("entity")
            codes = _strings(action) or DYNAMIC_ACTIONS.get(ast.unparse(action))
            if not codes:
                unexpanded.append(f"{where}:{node.lineno}: {ast.unparse(action)}")
            for code in codes or ():
                actions.setdefault(code, where)
            ents = _strings(entity) or DYNAMIC_ENTITIES.get(ast.unparse(entity))
            if not ents:
                unexpanded.append(f"{where}:{node.lineno}: entity {ast.unparse(entity)}")
            for ent in ents or ():
                entities.setdefault(ent, where)
            for arg in (args[4], args[5], kw.get("before"), kw.get("after")):
                if arg is not None:
                    for key in _keys(arg, tuples):
                        fields.setdefault(key, where)
    return actions, entities, fields, unexpanded


ACTIONS, ENTITIES, FIELDS, UNEXPANDED = collect()


def test_the_collector_finds_the_calls():
    """Hand-checked anchors, so an empty collection cannot pass: the three codes issue 17 named."""
    assert {"merchant.invite", "merchant.sign_up", "settlement.join", "patrol.record", "fund.payout"} <= set(ACTIONS)
    assert "merchant_invitation" in ENTITIES and {"expires_at", "early_settlement"} <= set(FIELDS)
    assert len(ACTIONS) > 80
    assert UNEXPANDED == [], "f-string audit actions without an expansion in DYNAMIC_ACTIONS"


@pytest.mark.parametrize("code", sorted(ACTIONS))
def test_every_action_has_a_label(code):
    label = audit_view.action_label(code)
    assert label != code and code.split(".")[-1] not in label, f"{code} ({ACTIONS[code]}) has no Chinese label"


@pytest.mark.parametrize("code", sorted(ENTITIES))
def test_every_entity_has_a_label(code):
    assert audit_view.entity_label(code) != code, f"{code} ({ENTITIES[code]}) has no Chinese label"


@pytest.mark.parametrize("key", sorted(FIELDS))
def test_every_field_has_a_label(key):
    assert audit_format.field_name(key, audit_view.FIELD_LABELS) != key, f"{key} ({FIELDS[key]}) has no label"


def test_the_three_codes_of_the_issue_read_as_hand_written():
    assert audit_view.action_label("merchant.invite") == "发放商户邀请码"
    assert audit_view.action_label("merchant.sign_up") == "商户凭邀请码注册"
    assert audit_view.action_label("settlement.join") == "加入先行和解"
    assert audit_view.entity_label("merchant_invitation") == "商户邀请码"
