"""0008 fills the redacted copies of existing complaints and events (SPEC K6, issue 13 Build 2)."""
import flask_migrate
from sqlalchemy import text

from creditstreet import create_app
from creditstreet.extensions import db
from tests.test_migrations import MIGRATIONS, empty_database_url  # noqa: F401  (fixture)


def test_0008_fills_redacted_copies(empty_database_url):  # noqa: F811
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision="0007_cal")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO streets (id, name, timezone, hotlines, duty_hours, created_at) "
                              "VALUES (1, '街', 'Asia/Shanghai', '[]', '', '2024-01-01 00:00:00')"))
            conn.execute(text(
                "INSERT INTO complaints (id, street_id, kind, carries_report, channel, tracking_code, title, goods, "
                "goods_category, subject, description, demand, consumer_name, consumer_phone, status, "
                "money_recovered_fen, shop_at_fault, refused_mediation, received_at, overdue, reopened_count, "
                "report_extended, created_at) VALUES (1, 1, 'complaint', false, 'online', 'TSAAAAAAAAAA', :t, :g, "
                "'', '', :d, :m, '王小明', '13800138000', 'received', 0, false, false, '2024-01-01 00:00:00', "
                "false, 0, false, '2024-01-01 00:00:00')"),
                {"t": "本人王小明", "g": "手机 139 1234 5678 QQ号码12345678", "d": "电话一三九一二三四五六七八",
                 "m": "退款28元"})
            conn.execute(text("INSERT INTO complaint_events (id, complaint_id, kind, note, at) "
                              "VALUES (1, 1, 'mediation_note', :n, '2024-01-02 00:00:00')"),
                         {"n": "已联系王小明 13800138000"})
        flask_migrate.upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT title_public, goods_public, description_public, demand_public "
                                    "FROM complaints")).one()
            note = conn.execute(text("SELECT note_public FROM complaint_events")).scalar_one()
        flask_migrate.downgrade(directory=MIGRATIONS, revision="0007_cal")
        db.session.remove()
        db.engine.dispose()
    assert tuple(row) == ("本人王**", "手机 139****5678 QQ号码[QQ号]", "电话139****5678", "退款28元")
    assert note == "已联系王** 138****8000"
