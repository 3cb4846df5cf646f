"""Input at one boundary (issue 13 §7): every request passes here before any view, form or guard.

- Route ids: ``<int:…>`` matches only 0..2³¹−1 (a PostgreSQL ``integer``), so a larger id is a
  404 on every route instead of a 500 on PostgreSQL (or on SQLite above 2⁶³).
- Text: a NUL byte or a lone surrogate anywhere in the path, query, form or JSON body is a
  Chinese 400; other control characters (not tab or newline) are removed from query, form and
  JSON strings, so ``王小明\\x08`` is stored as ``王小明`` (CASES K-23). Passwords are left as typed.
- JSON: nesting deeper than ``MAX_JSON_DEPTH`` is a Chinese 400 before the parser sees it.
"""
from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, ValidationError

from ..domain.inputs import MAX_DB_INT, MAX_JSON_DEPTH, has_forbidden_chars, json_depth, strip_controls

#: Form fields kept exactly as typed: passwords are hashed and compared, never stored or shown
#: (any field whose name contains "password": password, password2, new_password …).
VERBATIM_FIELDS = frozenset({"csrf_token"})


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` limited to 0..2³¹−1; more digits or a larger value does not match (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_DB_INT if max is None else max, signed=signed)

    def to_python(self, value: str):
        if len(value.lstrip("-")) > len(str(MAX_DB_INT)):
            raise ValidationError()  # also spares int() a 5,000-digit string
        return super().to_python(value)


def register_boundary(app: Flask) -> None:
    """Install the bounded id converter and the text hook; call before any blueprint is registered."""
    app.url_map.converters["int"] = BoundedIntConverter
    # First of all before-request functions: the CSRF check and the views read cleaned input.
    app.before_request_funcs.setdefault(None, []).insert(0, _clean_input)


def _clean_input():
    from .errors import error_response

    texts = [request.path, *_strings(request.view_args or {})]
    for key, values in request.args.lists():
        texts += [key, *values]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            raw = request.get_data(cache=True)
            if json_depth(raw) > MAX_JSON_DEPTH:
                return error_response(400, _("JSON 内容嵌套层数过多（最多%(n)s层）", n=MAX_JSON_DEPTH),
                                      "json_too_deep")
        else:
            for key, values in request.form.lists():
                texts += [key, *values]
    if any(has_forbidden_chars(t) for t in texts):
        return error_response(400, _bad_chars(), "bad_characters")
    if request.is_json and request.get_data(cache=True):
        body = request.get_json(silent=True)
        if body is not None:
            if any(has_forbidden_chars(t) for t in _strings(body)):
                return error_response(400, _bad_chars(), "bad_characters")
            _set_json(_cleaned(body))
    request.args = _cleaned_multidict(request.args)  # werkzeug's cached_property accepts the value
    if "form" in request.__dict__:
        request.form = _cleaned_multidict(request.form)
        request.__dict__.pop("values", None)
    return None


def _bad_chars() -> str:
    return _("提交的内容含有无法保存的字符（空字符或残缺的文字编码），请删除后重新提交。")


def _cleaned_multidict(md):
    changed = False
    pairs = []
    for key, value in md.items(multi=True):
        new = value if key in VERBATIM_FIELDS or "password" in key else strip_controls(value)
        changed |= new is not value and new != value
        pairs.append((strip_controls(key), new))
    return ImmutableMultiDict(pairs) if changed else md


def _strings(value):
    """Every string inside a JSON-shaped value (keys too), depth-first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def _cleaned(value):
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, dict):
        return {strip_controls(k) if isinstance(k, str) else k: _cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    return value


def _set_json(value) -> None:
    # Flask caches the parsed body per ``silent`` flag; both readings now return the cleaned value.
    request._cached_json = (value, value)
