"""Domain errors: every rule violation the domain layer reports (SPEC §2–§9).

Each error carries ``message`` (Chinese, safe to show to users) and ``code`` (a stable
ASCII identifier for logs, tests and JSON). Views translate them into flash messages or
HTTP 400/409 responses; services let them propagate.
"""

from __future__ import annotations

from .i18n import joined


class DomainError(Exception):
    """Base class of every domain-rule error.

    ``message``: user-facing Chinese text. ``code``: stable ASCII string.
    """

    code: str = "domain_error"
    default_message: str = "操作不符合业务规则"

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        self.message = message or self.default_message
        if code is not None:
            self.code = code
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class InvalidTransition(DomainError):
    """A workflow step not allowed from the current state (SPEC K3)."""

    code = "invalid_transition"
    default_message = "当前状态下不能进行此操作"


class ValidationError(DomainError):
    """A value outside what a rule accepts (bad setting, bad count, unknown code)."""

    code = "validation_error"
    default_message = "输入的数据无效"


class FieldErrors(ValidationError):
    """Several fields are wrong at once: ``errors`` maps a field name to its Chinese message, in
    form order, so a form can show every mistake in one round (issue 17). ``message`` joins them
    (a ``Msg``: the same Chinese text, re-rendered part by part in the reader's language);
    ``code`` is the single error's code, or ``field_errors`` when there are several."""

    code = "field_errors"

    def __init__(self, errors: dict[str, str], codes: dict[str, str] | None = None) -> None:
        self.errors = dict(errors)
        self.codes = dict(codes or {})
        single = next(iter(self.codes.values())) if len(self.errors) == 1 and self.codes else "field_errors"
        super().__init__(joined(self.errors.values()), code=single)

