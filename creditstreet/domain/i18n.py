"""The no-op marker for Chinese UI strings defined outside the web layer (labels, service messages).

``N_("待处理")`` returns its argument unchanged; ``pybabel extract`` (whose default keywords include
``N_``) copies the string into the catalogs, and the web layer translates it when it shows it
(``_(label)`` in a template, ``lazy_gettext`` in a form). Domain and services stay free of Flask-Babel.
"""


def N_(message: str) -> str:  # noqa: N802 - the marker name pybabel looks for
    return message
