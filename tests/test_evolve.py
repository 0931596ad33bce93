"""Evolving a build through the engine and the command line: what is refused, what runs
again, merges with the person's edits, conflicts, commits and their trailers, undo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend_agent.core.brief import load_brief
from backend_agent.core.errors import BadInput, Conflict
from backend_agent.core.phases import PHASES
from backend_agent.engine import BuildSession
from backend_agent.engine.autopilot import run_phases
from backend_agent.providers import create_provider

from .conftest import EXAMPLES, git
from .helpers import run_cli
from .offline_service_support import BRIEFS

EVOLVED = BRIEFS / "shop_evolved.toml"
REPOSITORY = "app/repositories/product.py"


def _build(repo: Path) -> Path:
    brief = load_brief(EXAMPLES / "shop.toml")
    with BuildSession.start(repo, brief, provider=create_provider("offline")) as session:
        run_phases(session, list(PHASES), "all", lambda line: None)
        return Path(session.state.worktree)


def _hand_edit(worktree: Path, path: str, old: str, new: str) -> None:
    file = worktree / path
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new, 1))


def _commit(worktree: Path, message: str = "my changes") -> None:
    git(worktree, "commit", "-qam", message)


@pytest.fixture
def built(repo) -> tuple[Path, Path]:
    return repo, _build(repo)


def _evolve(repo: Path, brief: Path = EVOLVED, *extra: str):
    return run_cli("evolve", "--repo", str(repo), "--brief", str(brief), "--checks", "none", *extra)


def test_a_project_rename_or_a_stack_switch_is_refused_and_nothing_changes(built, tmp_path):
    repo, worktree = built
    head = git(worktree, "rev-parse", "HEAD")
    text = EVOLVED.read_text()
    for old, new, words in [
        ('name = "shop"', 'name = "store"', "renames the project"),
        ("[stack]\n", '[stack]\nlanguage = "typescript"\n', "[stack] language"),
        ('auth = "jwt"', 'auth = "session"', "[stack] auth"),
    ]:
        changed = tmp_path / "brief.toml"
        changed.write_text(text.replace(old, new, 1))
        result = _evolve(repo, changed)
        assert result.returncode == 2, result.stderr
        assert words in result.stderr and "start a new build" in result.stderr
    assert git(worktree, "rev-parse", "HEAD") == head
    builds = json.loads(run_cli("builds", "--repo", str(repo), "--json").stdout)
    assert builds[0]["evolutions"] == 0


def test_an_unchanged_brief_or_an_unfillable_field_is_refused(built, tmp_path):
    repo, _ = built
    result = _evolve(repo, EXAMPLES / "shop.toml")
    assert result.returncode == 2 and "nothing to evolve" in result.stderr
    changed = tmp_path / "brief.toml"
    changed.write_text(
        EVOLVED.read_text().replace("default = 0, required = true", "required = true")
    )
    result = _evolve(repo, changed)
    assert (
        result.returncode == 2 and "Product.weight_grams, required with no default" in result.stderr
    )


def test_an_evolution_waits_while_a_phase_is_pending_review(repo):
    brief = load_brief(EXAMPLES / "shop.toml")
    with BuildSession.start(repo, brief, provider=create_provider("offline")) as session:
        run_phases(session, list(PHASES[:2]), "all", lambda line: None)
        list(session.generate("service-layer"))
        with pytest.raises(Conflict, match=r"phase 3 \(service-layer\) is proposed"):
            session.evolve(load_brief(EVOLVED))


def test_evolve_keeps_the_persons_edits_and_commits_one_per_phase_with_trailers(built):
    repo, worktree = built
    _hand_edit(
        worktree,
        REPOSITORY,
        "    return await cursor.fetchone() is not None\n",
        "    found = await cursor.fetchone()  # mine\n    return found is not None\n",
    )
    (worktree / REPOSITORY).write_text(
        (worktree / REPOSITORY).read_text() + "\n\ndef mine() -> int:\n    return 1\n"
    )
    _commit(worktree)
    mine = (worktree / REPOSITORY).read_text()
    before = git(worktree, "rev-parse", "HEAD").strip()
    result = _evolve(repo, EVOLVED, "--approve", "all", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    (evolution,) = report["evolutions"]
    assert evolution["number"] == 1 and "tracking_code → tracking_number" in " ".join(
        evolution["lines"]
    )
    text = (worktree / REPOSITORY).read_text()
    assert "    found = await cursor.fetchone()  # mine\n" in text and text.endswith(
        "\n\ndef mine() -> int:\n    return 1\n"
    )
    assert "weight_grams" in text and text != mine
    log = git(worktree, "log", "--format=%H", f"{before}..HEAD").split()
    committed = [p for p in report["phases"] if p["evolution"] == 1 and p["status"] == "committed"]
    assert len(log) == len(committed) >= 3
    trailers = git(worktree, "log", "-1", "--format=%(trailers)", log[-1])
    assert "Backend-Agent-Evolution: 1" in trailers
    assert "Backend-Agent-Brief-Change: + entity Review" in trailers
    assert sorted((worktree / "migrations").iterdir())[1].name.startswith("0002_add_review")
    builds = run_cli("builds", "--repo", str(repo)).stdout
    assert "1 evolution" in builds


def test_undo_goes_back_one_commit_at_a_time_then_discards_the_evolution(built):
    repo, worktree = built
    before = git(worktree, "rev-parse", "HEAD").strip()
    assert _evolve(repo, EVOLVED, "--approve", "all").returncode == 0
    commits = git(worktree, "log", "--format=%H", f"{before}..HEAD").split()
    for expected in commits[1:] + [before]:
        result = run_cli("undo", "--repo", str(repo))
        assert result.returncode == 0, result.stderr
        assert git(worktree, "rev-parse", "HEAD").strip() == expected
    result = run_cli("undo", "--repo", str(repo))
    assert "discarded evolution 1" in result.stderr
    with BuildSession.open(repo) as session:
        assert session.state.evolutions == []
        assert session.state.brief == load_brief(EXAMPLES / "shop.toml")
        assert all(
            r.status == "committed" and not r.evolution for r in session.state.phases.values()
        )


def test_overlapping_edits_are_conflicts_the_person_resolves(built):
    repo, worktree = built
    line = 'COLUMNS = "id, sku, name, description, price, stock, status, created_at, updated_at"\n'
    _hand_edit(worktree, REPOSITORY, line, line.replace("stock, ", "stock, sku AS code, "))
    _commit(worktree)
    ours = (worktree / REPOSITORY).read_text()
    result = _evolve(repo, EVOLVED, "--approve", "all", "--phases", "1-3")
    assert result.returncode == 1
    assert f"{REPOSITORY} hunk 0" in result.stderr and "conflict" in result.stderr
    with BuildSession.open(repo) as session:
        assert session.state.current == "service-layer"
        assert session.conflict_hunks(REPOSITORY) == {0}
        hunks = session.hunks(REPOSITORY)
        assert [r.decision for _, r in hunks] == ["pending", "approved"]
        mine, theirs = session.hunk_sides(REPOSITORY, 0)
        assert "sku AS code" in mine and "weight_grams" in theirs
    review = repo / "review.json"
    for decision in ("reset", "approve"):  # approving the whole file leaves its conflict open
        review.write_text(json.dumps({"files": [{"path": REPOSITORY, "decision": decision}]}))
        assert run_cli("review", "apply", str(review), "--repo", str(repo)).returncode == 0
    with BuildSession.open(repo) as session:
        assert [r.decision for _, r in session.hunks(REPOSITORY)] == ["pending", "approved"]
    review.write_text(
        json.dumps({"files": [{"path": REPOSITORY, "hunks": [{"index": 0, "decision": "ours"}]}]})
    )
    applied = run_cli("review", "apply", str(review), "--repo", str(repo))
    assert applied.returncode == 0, applied.stderr
    assert run_cli("commit", "--repo", str(repo)).returncode == 0
    text = (worktree / REPOSITORY).read_text()
    assert "sku AS code" in text and "%(weight_grams)s" in text and text != ours


def test_a_rewritten_history_falls_back_to_two_way_and_says_so(built):
    repo, worktree = built
    _hand_edit(worktree, REPOSITORY, "JSON_FIELDS", "JSON_FIELDS ")
    git(worktree, "commit", "-qa", "--amend", "-m", "squashed by hand")
    result = _evolve(repo, EVOLVED, "--approve", "all", "--phases", "1-3")
    assert "two-way merge" in result.stderr and "history was rewritten" in result.stderr
    with BuildSession.open(repo) as session:
        assert session.state.evolutions[0].two_way
        for change in session.proposal.changes:
            if change.action == "modify":
                count = len(session.hunks(change.path))
                assert session.conflict_hunks(change.path) == set(range(count))


def test_a_file_the_person_deleted_stays_deleted(built):
    repo, worktree = built
    git(worktree, "rm", "-q", "app/repositories/shipment.py")
    _commit(worktree, "I do not want this")
    result = _evolve(repo, EVOLVED, "--approve", "all", "--phases", "1-3", "--json")
    assert result.returncode == 0, result.stderr
    assert "held back app/repositories/shipment.py: you deleted this file" in result.stderr
    assert not (worktree / "app/repositories/shipment.py").exists()
    phase = next(p for p in json.loads(result.stdout)["phases"] if p["id"] == "service-layer")
    (entry,) = [f for f in phase["files"] if f["path"] == "app/repositories/shipment.py"]
    assert (entry["action"], entry["review"]) == ("create", "pending")


def test_a_contract_step_waits_for_the_person(built):
    repo, worktree = built
    result = _evolve(repo, BRIEFS / "shop_reshaped.toml", "--approve", "all", "--phases", "1-2")
    assert result.returncode == 1
    assert "_contract.sql" in result.stderr and "drops data" in result.stderr
    with BuildSession.open(repo) as session:
        assert session.record("data-model").status == "proposed"
        contract = next(c.path for c in session.proposal.changes if "_contract" in c.path)
        session.reject(contract, "not yet")
        session.commit()
    assert not any("_contract" in p.name for p in (worktree / "migrations").iterdir())


def test_onto_fast_forwards_our_branch_to_the_persons_branch(built):
    repo, worktree = built
    git(repo, "merge", "-q", "--no-edit", "backend-agent/shop")
    (repo / "NOTES.md").write_text("mine\n")
    git(repo, "add", "NOTES.md")
    git(repo, "commit", "-qm", "work on main")
    main = git(repo, "rev-parse", "main").strip()
    user_branch = git(repo, "symbolic-ref", "HEAD")
    result = _evolve(repo, EVOLVED, "--onto", "main", "--phases", "1", "--approve", "all")
    assert result.returncode == 0, result.stderr
    assert git(worktree, "rev-parse", "HEAD~1").strip() == main
    assert git(repo, "rev-parse", "main").strip() == main
    assert git(repo, "symbolic-ref", "HEAD") == user_branch
    elsewhere = git(repo, "rev-parse", "main~1").strip()
    with BuildSession.open(repo) as session:
        with pytest.raises(BadInput, match="does not contain"):
            session._fast_forward(elsewhere)


def test_a_changed_decision_supersedes_its_adr_with_links_both_ways(built, tmp_path):
    repo, worktree = built
    changed = tmp_path / "brief.toml"
    changed.write_text(
        (EXAMPLES / "shop.toml")
        .read_text()
        .replace('architecture = "modular-monolith"', 'architecture = "monolith"')
    )
    assert _evolve(repo, changed, "--approve", "all").returncode == 0
    adrs = sorted((worktree / "docs/adr").iterdir())
    old = worktree / "docs/adr/0002-use-modular-monolith.md"
    (new,) = [p for p in adrs if p.name.endswith("-use-monolith.md")]
    assert new == adrs[-1]  # numbered after every ADR on the branch
    number = new.name[:4]
    assert f"status: superseded by [ADR-{number}]({new.name})" in old.read_text()
    assert "Supersedes [ADR-0002](0002-use-modular-monolith.md)." in new.read_text()
    assert new.read_text().startswith("---\nstatus: accepted")
    assert f"# {int(number)}. " in new.read_text()
