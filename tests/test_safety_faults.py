"""Faults of the machine and small lies of the lock: a read-only or full disk says so with
exit 2 (never a traceback) and loses nothing saved; the lock names a live holder; scratch
copies of a killed check are swept; a NUL byte in bad input is shown escaped."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from backend_agent.engine.store import BuildLock

from .conftest import ROOT
from .helpers import generate, run_cli, start
from .safety_support import HEADLESS, build_args, cli, state_file


def refuse_writes_under(folder: Path, number: int, monkeypatch) -> None:
    """The file system refuses every new file and folder under `folder` with `number`."""
    real_open, real_mkdir = os.open, os.mkdir

    def guarded(real):
        def call(path, *args, **kwargs):
            if str(path).startswith(str(folder)):
                raise OSError(number, os.strerror(number), str(path))
            return real(path, *args, **kwargs)

        return call

    monkeypatch.setattr(os, "open", guarded(real_open))
    monkeypatch.setattr(os, "mkdir", guarded(real_mkdir))


def test_a_read_only_repository_says_so(repo, capsys, monkeypatch):
    # case 5: OSError EROFS from the state store was a traceback
    refuse_writes_under(repo / ".git", errno.EROFS, monkeypatch)
    code, _, err = cli(capsys, *build_args(repo))
    assert code == 2, err
    assert "read-only file system" in err and "writable copy" in err
    code, _, err = cli(capsys, *build_args(repo), "--json")
    assert code == 2


def test_a_full_disk_while_saving_keeps_the_last_state(repo, capsys, monkeypatch):
    # case 5: ENOSPC in the atomic write was a traceback
    with start(repo) as session:
        generate(session, "architecture")
    saved = state_file(repo).read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    code, _, err = cli(capsys, "resume", "--repo", str(repo), *HEADLESS)
    assert code == 2, err
    assert "the disk is full" in err and "df -h" in err
    assert state_file(repo).read_bytes() == saved
    assert not list(state_file(repo).parent.glob(".*.tmp"))


def test_the_lock_names_a_holder_that_has_not_written_its_name_yet(tmp_path):
    # case 8: "process ? on ? (since 00:00:00)"
    path = tmp_path / "b.lock"
    path.write_text(json.dumps({"pid": 999_999_999, "host": os.uname().nodename, "since": 1.0}))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(path)!r}, os.O_RDWR)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "time.sleep(float(sys.argv[1]))\n"
            'data = (\'{"pid": %d, "host": "%s", "since": %f}\' % '
            "(os.getpid(), os.uname().nodename, time.time())).encode()\n"
            "os.pwrite(fd, data, 0); os.ftruncate(fd, len(data))\n"
            "time.sleep(30)\n",
            "0.3",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        message = _conflict(path)
        assert "?" not in message and "00:00:00" not in message
        assert f"process {holder.pid} on" in message
    finally:
        holder.kill()
        holder.wait()


def test_a_holder_that_never_writes_its_name_is_still_described(tmp_path):
    path = tmp_path / "b.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    other = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import fcntl,os,time; fd=os.open({str(path)!r}, os.O_RDWR);"
            "fcntl.flock(fd, fcntl.LOCK_EX); print('x', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        other.stdout.readline()
        message = _conflict(path)
        assert "?" not in message and "just starting" in message
    finally:
        other.kill()
        other.wait()
        os.close(fd)


def _conflict(path: Path) -> str:
    from backend_agent.core.errors import Conflict

    try:
        BuildLock(path).acquire("bookmarks")
    except Conflict as error:
        return error.message
    raise AssertionError("the lock was free")


def test_scratch_copies_of_a_killed_check_are_swept_by_the_next_run(tmp_path, monkeypatch):
    # case 8: kill -9 during checks leaked backend-agent-check-* folders
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    code = (
        "import time\n"
        "from backend_agent.checks.tree import ProposedTree\n"
        "class B:\n"
        "    path = None\n"
        "    def files(self): return []\n"
        "    def read_many(self, paths): return {}\n"
        "tree = ProposedTree(B(), {'a.py': 'x = 1\\n'})\n"
        "import io, subprocess, tarfile\n"
        "buf = io.BytesIO(); tarfile.open(fileobj=buf, mode='w').close()\n"
        "subprocess.run = lambda *a, **k: type('R', (), {'stdout': buf.getvalue()})()\n"
        "with tree.materialized() as root:\n"
        "    print(root, flush=True)\n"
        "    time.sleep(60)\n"
    )
    killed = subprocess.Popen(
        [sys.executable, "-c", code], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    leaked = Path(killed.stdout.readline().strip())
    assert leaked.is_dir() and leaked.name.startswith(f"backend-agent-check-{killed.pid}-")
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    live = scratch / f"backend-agent-check-{os.getpid()}-inuse"
    live.mkdir()  # a run that is still going keeps its copy

    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    from backend_agent.checks.tree import sweep_scratch

    sweep_scratch()
    assert not leaked.exists() and live.exists()


def test_a_nul_byte_in_bad_input_is_shown_escaped(repo, tmp_path):
    # case 8: a NUL byte was echoed raw
    with start(repo) as session:
        generate(session, "architecture")
    review = tmp_path / "review.json"
    review.write_text(
        json.dumps({"files": [{"path": "docs/a\u0000b\u001b[2J.md", "decision": "approve"}]})
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "backend_agent.cli",
            "review",
            "apply",
            str(review),
            "--repo",
            str(repo),
        ],
        capture_output=True,
    )
    assert result.returncode == 2
    assert b"\x00" not in result.stderr and b"\x1b" not in result.stderr
    assert b"docs/a\\x00b\\x1b[2J.md" in result.stderr


def test_no_traceback_for_a_review_nested_too_deeply(repo, tmp_path):
    with start(repo) as session:
        generate(session, "architecture")
    review = tmp_path / "review.json"
    review.write_text('{"files": ' + "[" * 5000 + "]" * 5000 + "}")
    result = run_cli("review", "apply", str(review), "--repo", str(repo))
    assert result.returncode == 2 and "nested too deeply" in result.stderr
    assert "Traceback" not in result.stderr
