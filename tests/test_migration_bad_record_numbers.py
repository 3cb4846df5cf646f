"""0015 rewrites bad records that named their complaint by tracking code (SPEC K6), both ways."""
from datetime import datetime, timezone

import flask_migrate
from sqlalchemy import text

from creditstreet import create_app
from creditstreet.extensions import db
from creditstreet.models import BadRecord
from creditstreet.services import complaints as svc
from tests import factories
from tests.test_migrations import MIGRATIONS, empty_database_url  # noqa: F401  (fixture)


def test_0015_names_the_complaint_by_number(empty_database_url):  # noqa: F811
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        street = factories.make_street()
        shop = factories.make_shop(street)
        c, _ = svc.file_complaint(None, street, {"shop_id": shop.id, "description": "货不对板",
                                                  "consumer_phone": "13800138000"}, None,
                                  now=datetime(2026, 9, 1, 2, tzinfo=timezone.utc))
        # as a closing before 0015 wrote it, and a hand-written one that must stay as it is
        db.session.add_all([BadRecord(shop_id=shop.id, kind="complaint_at_fault", complaint_id=c.id,
                                      recorded_at=c.received_at, description=f"投诉{c.tracking_code}：经查商家有责"),
                            BadRecord(shop_id=shop.id, kind="other", recorded_at=c.received_at,
                                      description="拒不配合检查")])
        code, number = c.tracking_code, c.id
        db.session.commit()
        # no transaction left open (reading ``c`` after the commit would start one): on PostgreSQL
        # the downgrade's DROP INDEX on complaints would wait for it for ever
        db.session.close()
        flask_migrate.downgrade(directory=MIGRATIONS, revision="0014_mig_password")
        flask_migrate.upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            after_up = sorted(conn.execute(text("SELECT description FROM bad_records")).scalars())
        flask_migrate.downgrade(directory=MIGRATIONS, revision="0014_mig_password")
        with db.engine.connect() as conn:
            after_down = sorted(conn.execute(text("SELECT description FROM bad_records")).scalars())
        db.session.remove()
        db.engine.dispose()
    assert after_up == sorted([f"投诉#{number}：经查商家有责", "拒不配合检查"])
    assert after_down == sorted([f"投诉{code}：经查商家有责", "拒不配合检查"])
