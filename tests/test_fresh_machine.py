"""`make test` on a fresh machine (issue 17): it installs or names the Debian packages it needs, and
the browser tests write their artifacts into a git-ignored folder."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_make_test_checks_the_system_packages_first():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "test: install sysdeps" in makefile
    assert "bash .ci/system-deps" in makefile
    assert "bash .ci/system-deps" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    script = (ROOT / ".ci" / "system-deps").read_text(encoding="utf-8")
    for pkg in ("chromium", "fonts-noto-cjk", "libpango-1.0-0", "postgresql-client", "zbar-tools", "poppler-utils"):
        assert pkg in script


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="not a Debian system")
def test_without_root_it_prints_one_line_to_run(tmp_path):
    """Not root and no sudo: exit 1 with exactly one line naming what to install."""
    fake = tmp_path / "bin"
    fake.mkdir()
    for tool, body in (("id", "echo 1000"), ("sudo", "exit 1")):
        (fake / tool).write_text(f"#!/bin/sh\n{body}\n")
        (fake / tool).chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    run = subprocess.run(["bash", str(ROOT / ".ci" / "system-deps"), "no-such-package-xyz"],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "apt-get install" in lines[0] and "no-such-package-xyz" in lines[0] and "chromium" not in lines[0]


def test_installed_packages_pass_quietly():
    run = subprocess.run(["bash", str(ROOT / ".ci" / "system-deps")], capture_output=True, text=True)
    assert run.returncode == 0 and run.stderr == ""


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_browser_artifacts_are_git_ignored():
    from tests.browser.conftest import SHOTS

    target = SHOTS / "a-consumer-phone-01-board.png"
    if ROOT in target.parents:
        ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", str(target)])
        assert ignored.returncode == 0, f"{target} is inside the source tree and not ignored"
