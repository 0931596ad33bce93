"""`review apply` refuses what cannot be meant (a committed phase, a file decided twice,
`true` or "0" as a hunk), applies all or nothing even under SIGTERM, and saves once for
any number of entries; phases are committed in order, in the engine and the wizard."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from backend_agent.core.errors import BadInput
from backend_agent.core.events import Event, ProposalReady
from backend_agent.core.proposal import FileChange, Proposal
from backend_agent.engine import BuildSession
from backend_agent.providers.base import ProposalRequest, Provider
from backend_agent.workspace.paths import Limits

from .conftest import ROOT, git
from .helpers import generate, start, user_view
from .safety_support import HEADLESS, build_args, cli, committed, resume_headless, state_file

REQ = "docs/requirements.md"


def review_file(tmp_path, files, phase=None):
    path = tmp_path / "review.json"
    path.write_text(json.dumps({"files": files, **({"phase": phase} if phase else {})}))
    return str(path)


def test_review_apply_refuses_a_committed_phase(repo, tmp_path, capsys):
    # case 7: accepted (exit 0), and every later resume exited 1
    committed(repo, 1)
    saved = state_file(repo).read_bytes()
    review = review_file(tmp_path, [{"path": REQ, "decision": "reject"}], "architecture")
    code, _, err = cli(capsys, "review", "apply", review, "--repo", str(repo))
    assert code == 2 and "phase 1 (architecture) is committed" in err and "undo" in err
    assert state_file(repo).read_bytes() == saved
    code, _, err = cli(capsys, *resume_headless(repo, "2"))
    assert code == 0, err
    with BuildSession.open(repo) as session:
        session.goto("architecture")
        with pytest.raises(BadInput, match="is committed"):
            session.reject(REQ, "no")  # the engine refuses it too (the wizard's path)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            [{"path": REQ, "decision": "approve"}, {"path": REQ, "decision": "reject"}],
            "files[1] (docs/requirements.md): the file is decided at files[0] too",
        ),
        (
            [{"path": REQ, "decision": "approve"}, {"path": REQ, "decision": "approve"}],
            "the file is decided at files[0] too",
        ),
        ([{"path": REQ}], "give a decision (approve, reject, reset) or hunks"),
        (
            [{"path": REQ, "hunks": [{"index": True, "decision": "approve"}]}],
            "files.0.hunks.0.index: Input should be a valid integer",
        ),
        (
            [{"path": REQ, "hunks": [{"index": "0", "decision": "approve"}]}],
            "files.0.hunks.0.index: Input should be a valid integer",
        ),
        (
            [{"path": REQ, "hunks": [{"index": 0.0, "decision": "approve"}]}],
            "files.0.hunks.0.index: Input should be a valid integer",
        ),
    ],
    ids=["contradiction", "twice", "no-decision", "true", "string", "float"],
)
def test_review_apply_refuses_duplicates_and_non_integer_indices(
    repo, tmp_path, capsys, files, message
):
    # case 7: duplicates and contradictions were accepted; true and "0" were hunk indices
    with start(repo) as session:
        generate(session, "architecture")
    saved = state_file(repo).read_bytes()
    code, _, err = cli(capsys, "review", "apply", review_file(tmp_path, files), "--repo", str(repo))
    assert code == 2 and message in err, err
    assert state_file(repo).read_bytes() == saved


def test_hunk_decided_twice_is_refused(repo, tmp_path, capsys):
    (repo / "notes.txt").write_text("".join(f"line {i}\n" for i in range(40)))
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-qm", "notes")
    with start(repo, provider=Edits(1)) as session:
        generate(session, "architecture")
    files = [
        {
            "path": "f0.txt",
            "hunks": [{"index": 0, "decision": "approve"}, {"index": 0, "decision": "reject"}],
        }
    ]
    code, _, err = cli(capsys, "review", "apply", review_file(tmp_path, files), "--repo", str(repo))
    assert code == 2 and "hunk 0 is decided more than once" in err


class Edits(Provider):
    """`count` new files: a proposal as large as a test needs."""

    name = "edits"

    def __init__(self, count: int) -> None:
        self.count = count

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        changes = [
            FileChange(path=f"f{i}.txt", action="create", content=f"{i}\n", kind="doc")
            for i in range(self.count)
        ]
        yield ProposalReady(Proposal(summary="many", changes=changes))


def test_a_large_review_is_applied_with_one_save(repo, tmp_path, capsys, monkeypatch):
    # case 7: 100k entries took > 120 s (a linear search and a save per entry)
    count = 20_000
    limits = Limits(max_files=count, max_proposal_bytes=10**9)
    with start(repo, provider=Edits(count), limits=limits) as session:
        generate(session, "architecture")
    from backend_agent.engine import session as session_module

    saves = []
    real = session_module.atomic_write
    monkeypatch.setattr(session_module, "atomic_write", lambda *a: saves.append(1) or real(*a))
    files = [
        {"path": f"f{i}.txt", "decision": "approve" if i % 3 else "reject", "comment": "no"}
        for i in range(count)
    ]
    code, _, err = cli(capsys, "review", "apply", review_file(tmp_path, files), "--repo", str(repo))
    assert code == 0, err
    assert len(saves) == 1
    with BuildSession.open(repo) as session:
        states = [session.review(f"f{i}.txt").state(session.change(f"f{i}.txt")) for i in (0, 1, 2)]
    assert states == ["rejected", "approved", "approved"]


@pytest.mark.slow
def test_sigterm_during_review_apply_applies_all_or_nothing(repo, tmp_path):
    # case 7: SIGTERM left it half applied. The signal lands at fractions of the time a
    # whole run takes, so some land while the decisions are being applied.
    count = 5_000
    limits = Limits(max_files=count, max_proposal_bytes=10**9)
    with start(repo, provider=Edits(count), limits=limits) as session:
        generate(session, "architecture")
    saved = state_file(repo).read_bytes()
    files = [{"path": f"f{i}.txt", "decision": "approve"} for i in range(count)]
    review = review_file(tmp_path, files)
    command = [sys.executable, "-m", "backend_agent.cli", "review", "apply", review]

    began = time.monotonic()
    subprocess.run([*command, "--repo", str(repo)], cwd=ROOT, capture_output=True, check=True)
    whole = time.monotonic() - began
    for fraction in (0.5, 0.7, 0.8, 0.9, 0.97):
        state_file(repo).write_bytes(saved)
        process = subprocess.Popen(
            [*command, "--repo", str(repo)], cwd=ROOT, stderr=subprocess.PIPE, text=True
        )
        time.sleep(whole * fraction)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=300)
        assert "Traceback" not in err
        state = json.loads(state_file(repo).read_text())
        decisions = {r["decision"] for r in state["phases"]["architecture"]["reviews"].values()}
        assert decisions in ({"pending"}, {"approved"}), (fraction, decisions)
        assert process.returncode in (0, 130)  # done, or stopped (before or after the save)
        if decisions == {"pending"}:
            assert process.returncode == 130


def test_phase_three_cannot_be_committed_before_phase_two(repo):
    # case 8: the wizard let phase 3 be committed first, and ADR numbers clashed
    with start(repo) as session:
        generate(session, "architecture")
        session.approve_all()
        session.commit()
        generate(session, "service-layer")
        session.approve_all()
        tip = session.worktree.head()
        with pytest.raises(BadInput, match=r"phase 2 \(data-model\) is not committed yet"):
            session.commit()
        assert session.worktree.head() == tip
        generate(session, "data-model")
        session.approve_all()
        session.commit()
        session.goto("service-layer")  # proposed before phase 2 was committed
        with pytest.raises(BadInput, match="was proposed before phase 2"):
            session.commit()
        generate(session, "service-layer")
        session.approve_all()
        session.commit()
        adrs = session.worktree.files()
    numbers = [p.split("/")[-1][:4] for p in adrs if p.startswith("docs/adr/")]
    assert len(numbers) == len(set(numbers))


def test_headless_phases_with_a_gap_stop_before_doing_anything(repo, capsys):
    before = user_view(repo)

    code, _, err = cli(
        capsys,
        *build_args(repo),
        "--phases",
        "1,3",
        *HEADLESS,
    )
    assert code == 2 and "include it: --phases 2-3" in err
    assert user_view(repo) == before


async def test_the_wizard_says_why_phase_three_cannot_be_committed_first(repo):
    from backend_agent.ui.modals import CommitModal, ErrorModal

    from .wizard_support import SIZE, settle, wizard

    with start(repo) as session:
        generate(session, "architecture")
        session.approve_all()
        session.commit()
        generate(session, "service-layer")
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.phase.id == "service-layer"
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CommitModal)
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=10)
        assert isinstance(app.screen, ErrorModal)
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "phase 2 (data-model) is not committed yet" in text
    assert git(repo, "log", "-1", "--format=%s", "backend-agent/bookmarks").startswith(
        "architecture"
    )
