"""The plans of the long lists at city scale (issue 18, SPEC Y3), on SQLite, under the statistics a
city gives (``sqlite_stat1`` rows as ``ANALYZE`` wrote them on the bench's city: 1,000,000
complaints on 300 streets, nearly all closed; 100,000 active shops). SQLite keeps averages only, so
a plan that reads the street's every complaint looks as cheap to it as one that reads the open ones:
the statements are shaped so that the index they need is the only plan."""
import os

import pytest
from sqlalchemy import event, text

from creditstreet.services import grading
from creditstreet.services import complaints as svc
from creditstreet.services.paging import paginate

pytestmark = pytest.mark.skipif(
    # the tests' database is SQLite unless a URL says otherwise (config "test": sqlite://)
    not (os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or "sqlite://").startswith("sqlite"),
    reason="plans of SQLite's; PostgreSQL's are checked by bench/pages.py")

CITY_STATS = [  # (table, index, stat) as ANALYZE wrote them on the bench's full-scale city
    ("complaints", "ix_complaints_street_status", "1000000 3334 3334"),
    ("complaints", "ix_complaints_street_report", "1000000 3334 3334"),
    ("complaints", "ix_complaints_shop_received", "1000000 11 1"),
    ("complaints", "ix_complaints_phone", "1000000 3"),
    ("complaints", "ix_complaints_street_received", "1000000 3334 2 2 2 2 2 2"),
    ("shops", "ix_shops_street_status", "100000 334 334"),
    ("shops", "ix_shops_street_status_house", "100000 334 334 1 1"),
    ("shops", "ix_shops_status_street_house", "100000 100000 334 1 1"),
]


@pytest.fixture
def city_stats(db):
    conn = db.session.connection()
    conn.exec_driver_sql("ANALYZE")  # creates sqlite_stat1
    conn.exec_driver_sql("DELETE FROM sqlite_stat1")
    for row in CITY_STATS:
        conn.execute(text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (:t, :i, :s)"),
                     dict(zip("tis", row)))
    conn.exec_driver_sql("ANALYZE sqlite_schema")  # load them into this connection's planner
    yield conn
    conn.exec_driver_sql("DELETE FROM sqlite_stat1")
    conn.exec_driver_sql("ANALYZE sqlite_schema")


def plans_of(db, run) -> list[str]:
    plans = []

    def listener(conn, cursor, statement, parameters, *a):
        if statement.lstrip().upper().startswith("SELECT"):
            rows = cursor.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
            plans.append(" | ".join(str(r[-1]) for r in rows))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return plans


def test_the_inspectors_queue_reads_open_items_from_indexes(db, street, city_stats):
    plans = plans_of(db, lambda: paginate(svc.queue_query(street.id), 1))
    assert len(plans) == 2  # the count and the page
    for plan in plans:
        assert "SCAN complaints" not in plan, plan
        assert "ix_complaints_street_status (street_id=? AND status=?)" in plan, plan
        assert "ix_complaints_street_report (street_id=? AND report_status=?)" in plan, plan
        # the street's complaints are never read through street_id alone
        assert "(street_id=?)" not in plan, plan


def test_the_city_grade_list_walks_an_index_in_order(db, city_stats):
    plans = plans_of(db, lambda: grading.latest_grades(None, page=3))
    page = plans[1]  # the count, then the page
    assert "ix_shops_status_street_house (status=?)" in page, plans
    assert "TEMP B-TREE" not in page, plans


def test_the_admin_day_figures_read_indexes_not_the_street(db, street, city_stats):
    """The landing page's counts (services.admin_day): today's new complaints on (street, received_at),
    the overdue and due-this-week ones as a UNION of branches on (street, status) and
    (street, report_status) — never a street's whole history through street_id alone."""
    from datetime import datetime, timezone

    from creditstreet.services import admin_day

    plans = plans_of(db, lambda: admin_day.day_figures([street.id], datetime(2026, 9, 2, 2, tzinfo=timezone.utc)))
    counts = [p for p in plans if "complaints" in p]
    assert len(counts) == 3, plans
    assert "ix_complaints_street_received (street_id=? AND received_at>? AND received_at<?)" in counts[0], counts
    for plan in counts[1:]:
        assert "SCAN complaints" not in plan and "(street_id=?)" not in plan, plan
        assert plan.count("ix_complaints_street_status (street_id=? AND status=?)") == 2, plan
        assert "ix_complaints_street_report (street_id=? AND report_status=?)" in plan, plan
