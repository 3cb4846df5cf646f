"""Column types shared by the models: UTC instants."""
from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An instant stored as naive UTC and returned as an aware UTC datetime (SPEC §3).

    Accepts aware datetimes in any zone (converted to UTC) or naive ones (taken as UTC).
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(timezone.utc)
