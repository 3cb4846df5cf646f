"""0022 gives every existing audit entry the street it is about (SPEC A1, Y2), and 0021's tallies
are filled from the ballots already cast."""
from sqlalchemy import text

import flask_migrate
from creditstreet import create_app
from creditstreet.extensions import db
from tests import factories
from tests.test_migrations import MIGRATIONS, empty_database_url  # noqa: F401  (fixture)


def test_0022_stamps_old_entries_with_their_street(empty_database_url):  # noqa: F811
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        a, b = factories.make_street("甲街"), factories.make_street("乙街")
        shop_b = factories.make_shop(b)
        sup = factories.make_user("supervisor", street=b)
        db.session.commit()
        ids = (a.id, b.id, shop_b.id, sup.id)
        db.session.close()
        flask_migrate.downgrade(directory=MIGRATIONS, revision="0020_complaint_counts")
        with db.engine.begin() as conn:  # rows as the app wrote them before 0021/0022
            conn.execute(text("INSERT INTO audit_log (at, actor_label, action, entity, entity_id, before, after)"
                              " VALUES (CURRENT_TIMESTAMP, 'x', 'shop.update', 'shop', :s, NULL, NULL),"
                              " (CURRENT_TIMESTAMP, 'x', 'street_setting.update', 'street', :a, NULL, NULL),"
                              " (CURRENT_TIMESTAMP, 'x', 'setting.update', 'setting', 'quorum_min', NULL, NULL),"
                              " (CURRENT_TIMESTAMP, 'x', 'conflict.remove', 'supervisor_conflict', '77',"
                              "  '{\"shop_id\": " + str(ids[2]) + "}', NULL)"), {"s": str(ids[2]), "a": str(ids[0])})
            conn.execute(text("INSERT INTO ballots (supervisor_id, shop_id, quarter, lawful, service, compliance,"
                              " honesty, cast_at, updated_at) VALUES (:u, :s, '2024Q2', :t, :f, :t, :t,"
                              " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"u": ids[3], "s": ids[2], "t": True, "f": False})
        flask_migrate.upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            streets = dict(conn.execute(text("SELECT action, street_id FROM audit_log")).all())
            tally = conn.execute(text("SELECT street_id, ballots, lawful, service FROM ballot_tallies")).all()
            voters = conn.execute(text("SELECT street_id, supervisor_id, ballots FROM ballot_voters")).all()
        db.session.remove()
        db.engine.dispose()
    a_id, b_id, _, sup_id = ids
    assert streets == {"shop.update": b_id, "street_setting.update": a_id, "setting.update": None,
                       "conflict.remove": b_id}  # a deleted conflict: by the shop its snapshot names
    assert [tuple(r) for r in tally] == [(b_id, 1, 1, 0)]
    assert [tuple(r) for r in voters] == [(b_id, sup_id, 1)]
