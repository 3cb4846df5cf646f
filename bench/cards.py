"""Time a card sheet of N cards (issue 17: 1,000 cards in under 10 s on the development machine).

    python bench/cards.py [--cards 1000]

A street, a shop and an issued range in an in-memory SQLite database, then
``cards.card_sheet_pdf`` for the whole range, the way a print job runs it. Prints the wall time and
the CPU time (this process and its workers): on a machine shared with other work the CPU seconds
say what the sheet costs, the wall time what it took then. Last line:
``cards=N seconds=S cpu_seconds=C pages=P kb=K``.
"""
import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000)
    n = parser.parse_args().cards
    os.environ.setdefault("CREDITSTREET_INSTANCE", tempfile.mkdtemp(prefix="bench-cards-"))
    from creditstreet import create_app
    from creditstreet.extensions import db
    from creditstreet.models import Shop, Street, User
    from creditstreet.services import cards

    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", PUBLIC_BASE_URL="https://xfmyj.example.gov.cn")
    with app.test_request_context():
        db.create_all()
        street = Street(name="城关××街", timezone="Asia/Shanghai", hotlines=[{"label": "投诉举报热线", "number": "12315"}])
        db.session.add(street)
        db.session.flush()
        shop = Shop(street_id=street.id, uscc="92420381BENCHCARD1", name="张记面馆", search_key="张记面馆",
                    ownership="individual", house_number="12号", phone="0719-1234567")
        admin = User(username="bench", role="admin", display_name="bench", password_hash="x")
        db.session.add_all([shop, admin])
        db.session.flush()
        batch = cards.register_batch(admin, street, "基准批次", 1, max(n, 1000))
        rng = cards.issue_range(admin, batch, shop, 1, n, date(2026, 3, 1))
        c0, t0 = cpu(), time.perf_counter()
        pdf = cards.card_sheet_pdf(rng, "https://xfmyj.example.gov.cn", 1, n)
        seconds, cpu_seconds = time.perf_counter() - t0, cpu() - c0
    pages = -(-n // 10)
    print(f"cards={n} seconds={seconds:.2f} cpu_seconds={cpu_seconds:.2f} pages={pages} kb={len(pdf) / 1024:.0f}")


if __name__ == "__main__":
    main()
