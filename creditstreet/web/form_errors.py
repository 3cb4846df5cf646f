"""Put a service's ``FieldErrors`` on the form's fields, so a form shows every mistake at once,
each next to its field (issue 17; QA: the violation form showed one error per round at the top)."""
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields import FieldList, FormField

from .scope import shown_message


def fields_by_name(form) -> dict[str, Field]:
    """Every field of ``form`` by its HTML name, rows of a FieldList of FormFields included
    (``seizures-0-goods``)."""
    out: dict[str, Field] = {}
    for f in form:
        if isinstance(f, FieldList):
            for entry in f:
                out.update(fields_by_name(entry) if isinstance(entry, FormField) else {entry.name: entry})
        elif isinstance(f, FormField):
            out.update(fields_by_name(f))
        out[f.name] = f
    return out


def show_field_errors(form: FlaskForm, errors: dict[str, str]) -> str:
    """Add each message to its field's ``errors`` (translated when the catalog has it) and return
    the summary line for the top of the page: "有 N 处需要修改，请查看标红的项目"."""
    named = fields_by_name(form)
    for name, message in errors.items():
        field = named.get(name)
        if field is not None:
            shown = shown_message(message)  # a Msg re-rendered, a fixed text through its catalog entry
            field.errors = [*field.errors, shown] if isinstance(field.errors, list) else [shown]
    return ngettext("有 %(num)s 处需要修改，请查看标红的项目", "有 %(num)s 处需要修改，请查看标红的项目", len(errors))
