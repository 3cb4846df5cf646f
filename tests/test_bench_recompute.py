"""The recompute benchmark runs end to end and ends with its machine-readable line (issue 3)."""
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_recompute_small_city_prints_the_summary_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env["CREDITSTREET_INSTANCE"] = str(tmp_path)
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "recompute.py"), "--shops", "200", "--sample", "20"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    last = out.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"shops=200 seconds=\d+\.\d+ naive_ratio=\d+\.\d floor_ratio=\d+\.\d\d peak_mb=\d+", last), last
    assert "EXTRAPOLATED" in out.stdout


def test_the_naive_rows_check_can_fail():
    """The benchmark stops when the naive loop and the service disagree: a changed grade or a missing
    row is a difference; only computed_at (when each ran) may differ."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import recompute
    finally:
        sys.path.remove(str(ROOT / "bench"))
    naive = {7: ({"ballots": 3}, {"grade": "A", "reasons": [], "computed_at": 1})}
    assert recompute.same_rows(naive, {7: ({"ballots": 3}, {"grade": "A", "reasons": [], "computed_at": 2})}) == []
    assert recompute.same_rows(naive, {7: ({"ballots": 3}, {"grade": "B", "reasons": [], "computed_at": 1})}) == [7]
    assert recompute.same_rows(naive, {7: ({"ballots": 2}, {"grade": "A", "reasons": [], "computed_at": 1})}) == [7]
    assert recompute.same_rows(naive, {}) == [7]
