"""CASES K-18 under a real server: the Chinese export file name must survive gunicorn (not only the
test client, which accepts headers gunicorn rejects). Starts gunicorn on a temp SQLite DB, logs in
as an admin with urllib and downloads the 2026Q3 export; bounded in time."""
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_app():
    """App factory for gunicorn: the real app on GUNICORN_TEST_DB with one admin and one complaint."""
    from creditstreet import create_app
    from creditstreet.extensions import db
    from creditstreet.services import complaints as svc
    from tests import factories

    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{os.environ['GUNICORN_TEST_DB']}")
    with app.app_context():
        if not db.inspect(db.engine).has_table("streets"):
            db.create_all()
            street = factories.make_street()
            shop = factories.make_shop(street, "张记面馆")
            factories.make_user("admin", username="gadmin", street=street)
            svc.file_complaint(None, street, {"shop_id": shop.id, "description": "=1+1 面里有头发",
                                              "consumer_phone": "13800138000"}, None,
                               now=datetime(2026, 8, 3, 2, tzinfo=timezone.utc))
            db.session.commit()
        db.session.remove()
    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_chinese_export_filename_under_gunicorn():
    tmp = Path(tempfile.mkdtemp(prefix="gunicorn-export-"))
    env = dict(os.environ, GUNICORN_TEST_DB=str(tmp / "g.sqlite3"), PYTHONPATH=str(ROOT),
               CREDITSTREET_INSTANCE=str(tmp / "instance"))
    env.pop("DATABASE_URL", None)
    env.pop("TEST_DATABASE_URL", None)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}",
                             "--timeout", "30", "tests.test_exports_gunicorn:make_app()"],
                            cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                html = opener.open(base + "/auth/login", timeout=10).read().decode()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode(errors="replace")[-2000:]
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.2)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
        form = urllib.parse.urlencode({"csrf_token": token, "username": "gadmin", "password": "correct-horse-9"})
        opener.open(base + "/auth/login", data=form.encode(), timeout=10).read()
        resp = opener.open(base + "/admin/complaint-stats/export.csv?quarter=2026Q3", timeout=20)
        body = resp.read()
        assert resp.status == 200
        cd = resp.headers["Content-Disposition"]
        assert cd.startswith("attachment;") and "filename*=UTF-8''%E6%8A%95%E8%AF%89%E5%AF%BC%E5%87%BA_2026Q3.csv" in cd
        assert cd.encode("latin-1")  # the header is latin-1 safe
        assert body[:3] == b"\xef\xbb\xbf" and "投诉编号".encode() in body and "'=1+1".encode() in body
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
