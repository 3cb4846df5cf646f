"""The no-op marker for Chinese UI strings defined outside the web layer (labels, service messages).

``N_("待处理")`` returns its argument unchanged; ``pybabel extract`` (whose default keywords include
``N_``) copies the string into the catalogs, and the web layer translates it when it shows it
(``_(label)`` in a template, ``lazy_gettext`` in a form). Domain and services stay free of Flask-Babel.
"""


def N_(message: str) -> str:  # noqa: N802 - the marker name pybabel looks for
    return message


class Msg(str):
    """A Chinese UI text made from a marked pattern and its values; as a ``str`` it is the Chinese
    text (exports, searches and tests read it unchanged), and the web layer re-renders it in the
    reader's language from ``pattern`` and ``values`` (``web.filters.tr``).

    Values: a ``Msg`` (e.g. a label ``Msg(N_("合格"))``) is translated too; a list is joined with
    "、" (translated joiner); anything else (shop names, numbers, user text) is shown as it is.

    >>> Msg(N_("巡查：不合格项 %(items)s"), items=[Msg(N_("明码标价")), Msg(N_("无虚假宣传"))])
    '巡查：不合格项 明码标价、无虚假宣传'
    """

    pattern: str
    values: dict

    def __new__(cls, pattern: str, **values):
        if isinstance(pattern, Msg) and not values:  # Msg(label) of a label that is a Msg already
            return pattern
        text = pattern % {k: _zh(v) for k, v in values.items()} if values else pattern
        obj = super().__new__(cls, text)
        obj.pattern, obj.values = pattern, values
        return obj


def _zh(value):
    return "、".join(str(v) for v in value) if isinstance(value, (list, tuple)) else value


def joined(messages) -> str:
    """The messages joined by "；" as one ``Msg`` (the same Chinese text), each part shown in the
    reader's language; "" for none. A plain text part is treated as a fixed text (``Msg(text)``)."""
    out = None
    for m in messages:
        m = Msg(m) if m else m
        out = m if out is None else Msg(N_("%(first)s；%(then)s"), first=out, then=m)
    return out or ""
