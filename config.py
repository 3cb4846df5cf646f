"""Configuration classes read from the environment (microblog style).

Nothing here raises at import: ProdConfig's secret-key check runs in ``create_app``.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("CREDITSTREET_INSTANCE", BASE_DIR / "instance"))


def _sqlite_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'creditstreet.sqlite3'}"


def normalize_database_url(url: str) -> str:
    """Return ``url`` with PostgreSQL spellings mapped to the psycopg 3 driver."""
    # psycopg 3 is the PostgreSQL driver; accept the common short spellings.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    return url


def _database_url() -> str:
    return normalize_database_url(os.environ.get("DATABASE_URL") or _sqlite_url())


class Config:
    """Embedded default: SQLite in instance/, Chinese UI, limits in memory."""

    SECRET_KEY = os.environ.get("SECRET_KEY")  # generated into instance/ when missing (not in prod)
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "20000"))
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_Hans_CN", "en")
    STREET_TIMEZONE = os.environ.get("STREET_TIMEZONE", "Asia/Shanghai")
    # Uploads: up to 5 photos of PHOTO_MAX_MB each (checked per photo with a Chinese message) plus
    # 1 MB of text (long complaints, CASES K-13) per request; above that a Chinese 413.
    PHOTO_MAX_MB = int(os.environ.get("PHOTO_MAX_MB", "10"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str((5 * PHOTO_MAX_MB + 1) * 1024 * 1024)))
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = int(os.environ.get("WTF_CSRF_TIME_LIMIT", "3600"))
    # Limits are only limits when every worker counts in one place: production defaults to Redis
    # (issue 13 §6); a single development process may count in memory.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Keys in a shared Redis are prefixed, so two deployments (or test runs) never count together.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "creditstreet")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = True
    # Number of reverse proxies in front of the app whose X-Forwarded-For is trusted (CASES K-15).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Base of the URLs printed in QR codes (plaques, marks, card sheets), e.g. https://xfmyj.example.gov.cn.
    # Unset: built from the current request (creditstreet/web/urls.py); production logs a warning.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or None
    # Failed SQL statements are logged without their parameters (personal data), except in development.
    SQLALCHEMY_HIDE_PARAMETERS = True
    # Strict-Transport-Security max-age in seconds; 0 sends no header (production sets a year).
    HSTS_SECONDS = 0
    # The office that issues plaques and licence marks, printed above the seal area (SPEC S4).
    ISSUING_AUTHORITY = os.environ.get("ISSUING_AUTHORITY", "县市场监督管理局")
    # SMS (services/notify): "console" logs messages (development); "tencent" sends through Tencent
    # Cloud SMS with the TENCENT_SMS_* settings and SMS_TEMPLATE_IDS ("complaint_accepted=1001,…").
    SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "console")
    SMS_TEMPLATE_IDS = os.environ.get("SMS_TEMPLATE_IDS", "")
    TENCENT_SMS_SECRET_ID = os.environ.get("TENCENT_SMS_SECRET_ID", "")
    TENCENT_SMS_SECRET_KEY = os.environ.get("TENCENT_SMS_SECRET_KEY", "")
    TENCENT_SMS_SDK_APP_ID = os.environ.get("TENCENT_SMS_SDK_APP_ID", "")
    TENCENT_SMS_SIGN_NAME = os.environ.get("TENCENT_SMS_SIGN_NAME", "")
    TENCENT_SMS_REGION = os.environ.get("TENCENT_SMS_REGION", "ap-guangzhou")
    TENCENT_SMS_ENDPOINT = os.environ.get("TENCENT_SMS_ENDPOINT", "https://sms.tencentcloudapi.com")
    TESTING = False
    PRODUCTION = False


class DevConfig(Config):
    DEBUG = False
    SQLALCHEMY_HIDE_PARAMETERS = os.environ.get("SQLALCHEMY_HIDE_PARAMETERS", "") == "1"


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = normalize_database_url(
        os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or "sqlite://"
    )
    RATELIMIT_ENABLED = False
    WTF_CSRF_ENABLED = True


class ProdConfig(Config):
    PRODUCTION = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    # If Redis is down, count per worker rather than answer 500 (Flask-Limiter logs the fallback).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))


CONFIGS = {"dev": DevConfig, "test": TestConfig, "prod": ProdConfig}
