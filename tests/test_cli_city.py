"""``flask streets`` and ``flask users create --street`` (SPEC Y1, Y2)."""
from creditstreet.extensions import db
from creditstreet.models import AuditEntry, Street, User

from . import factories


def test_streets_slug_default_and_street_accounts(app, runner):
    a = factories.make_street("城关××街")
    b = factories.make_street("滨江路美食街")
    db.session.commit()
    assert runner.invoke(args=["streets", "slug", "滨江路美食街", "binjiang"]).exit_code == 0
    bad = runner.invoke(args=["streets", "slug", "城关××街", "binjiang"])  # taken by street B
    assert bad.exit_code != 0 and "已被其他商业街使用" in bad.output
    assert runner.invoke(args=["streets", "default", "binjiang"]).exit_code == 0
    db.session.expire_all()
    assert (db.session.get(Street, b.id).slug, db.session.get(Street, b.id).is_default) == ("binjiang", True)
    assert db.session.get(Street, a.id).is_default is False
    listing = runner.invoke(args=["streets", "list"]).output
    assert "binjiang\t滨江路美食街\t（默认）" in listing and f"s{a.id}\t城关××街" in listing
    assert {e.action for e in db.session.query(AuditEntry)} >= {"street.slug", "street.default"}
    ok = runner.invoke(args=["users", "create", "wang", "--role", "inspector", "--street", "binjiang",
                             "--password", "long-enough-1"])
    assert ok.exit_code == 0, ok.output
    city = runner.invoke(args=["users", "create", "boss", "--role", "admin", "--password", "long-enough-1"])
    assert city.exit_code == 0, city.output
    users = {u.username: u.street_id for u in db.session.query(User)}
    assert users == {"wang": b.id, "boss": None}
