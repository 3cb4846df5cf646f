"""Complaints from the 12315 channel (SPEC §7 K1–K7): intake, tracking, handling, closing.

Every function takes the acting user explicitly (None = the consumer or the system), flushes and
never commits, and writes the audit log (SPEC A1). Audit entries never hold the consumer's name,
phone or free text (K6: personal data stays out of logs). Rules come from ``domain.complaints``;
deadlines are street-local dates in working days (``services.settings.work_calendar()``).
Errors: ``ValidationError`` for bad input, ``InvalidTransition`` for a step not allowed now.
"""
from .common import *  # noqa: F401,F403
from .common import _event, _parse_date, _snap, _step, _text, _tz  # noqa: F401
from .deadlines import *  # noqa: F401,F403
from .deadlines import _late_conditions  # noqa: F401
from .handling import *  # noqa: F401,F403
from .intake import *  # noqa: F401,F403
from .pauses import *  # noqa: F401,F403
from .store import *  # noqa: F401,F403
from .tracking import *  # noqa: F401,F403
from .tracking import _window_open  # noqa: F401
from .views import *  # noqa: F401,F403
