"""Thin views, one blueprint package per role (STYLE): parse → call service → commit → respond."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .inspector import bp as inspector_bp
    from .merchant import bp as merchant_bp
    from .public import bp as public_bp
    from .supervisor import bp as supervisor_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(inspector_bp, url_prefix="/inspector")
    app.register_blueprint(supervisor_bp, url_prefix="/supervisor")
    app.register_blueprint(merchant_bp, url_prefix="/merchant")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api")
    from .admin.complaint_stats import bp as complaint_stats_bp  # inspectors and admins (issue 4)

    app.register_blueprint(complaint_stats_bp, url_prefix="/admin/complaint-stats")
