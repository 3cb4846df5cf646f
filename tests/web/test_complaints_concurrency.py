"""16 clients posting at once (issue 4 "Done when", CASES K-05/K-06): nothing lost, nothing doubled,
no "database is locked", no 500 — on the suite's file database (SQLite by default, PostgreSQL in CI)."""
import threading

from sqlalchemy import func, select

from creditstreet.models import Complaint
from tests import factories

CLIENTS = 16
PER_CLIENT = 3


def test_sixteen_clients_at_once(app, db, street):
    shop = factories.make_shop(street, "张记面馆")
    shop_id = shop.id
    db.session.commit()  # release SQLite's write lock; touch no ORM attribute until the threads end
    barrier = threading.Barrier(CLIENTS)
    results, lock = [], threading.Lock()

    def client(n):
        c = app.test_client()
        barrier.wait(timeout=30)
        for i in range(PER_CLIENT):
            # Every client also races client (n+1)%16 for one shared key: the K-06 double submit.
            key = f"shared-{min(n, (n + 1) % CLIENTS)}-{max(n, (n + 1) % CLIENTS)}" if i == 0 else f"c{n}-{i}"
            resp = c.post("/api/complaints", headers={"Idempotency-Key": key},
                          json={"shop_id": shop_id, "description": f"客户端{n}第{i}次😡", "consumer_phone": "13800138000"})
            with lock:
                results.append((key, resp.status_code, resp.get_data(as_text=True)))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == CLIENTS * PER_CLIENT
    assert all(status in (200, 201) for _, status, _ in results), [r[1:] for r in results if r[1] >= 300][:3]
    assert not any("locked" in body for _, _, body in results)
    keys = {key for key, _, _ in results}
    # 16 shared keys (each pair of neighbours on the ring) + 16 × 2 own keys = 48 distinct submissions.
    assert len(keys) == 16 + CLIENTS * (PER_CLIENT - 1)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Complaint.id))) == len(keys)
    assert db.session.scalar(select(func.count(func.distinct(Complaint.submission_token)))) == len(keys)
