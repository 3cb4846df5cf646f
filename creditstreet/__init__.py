"""creditstreet: the working system of a market regulator's consumer-satisfied street."""
import os
import secrets
from pathlib import Path

from flask import Flask


def create_app(config: str | type | None = None, **overrides) -> Flask:
    """Build the app; touches no database and starts no scheduler (STYLE, CASES K-01).

    ``config`` is a key of ``config.CONFIGS`` ("dev", "test", "prod"), a class, or None for the
    ``CREDITSTREET_CONFIG`` environment variable (default "dev"). ``overrides`` win over both.
    Raises RuntimeError when the production config has no real SECRET_KEY.
    """
    from config import CONFIGS, INSTANCE_DIR

    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(Path(__file__).resolve().parent.parent / "templates"),
        static_folder=str(Path(__file__).resolve().parent.parent / "static"),
    )
    if config is None:
        config = os.environ.get("CREDITSTREET_CONFIG", "dev")
    app.config.from_object(CONFIGS[config] if isinstance(config, str) else config)
    app.config.update(overrides)
    _ensure_secret_key(app)
    from .web.urls import warn_if_unset

    warn_if_unset(app)

    from .wiring import init_app

    init_app(app)
    return app


def _ensure_secret_key(app: Flask) -> None:
    """Use SECRET_KEY from the environment, else one generated once into instance/ (not in prod)."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config.get("PRODUCTION"):
        raise RuntimeError("生产环境必须设置环境变量 SECRET_KEY（production needs a real SECRET_KEY）")
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    app.config["SECRET_KEY"] = path.read_text().strip()
