"""Unusual repositories: the build works, or stops with a clear error, and the user's side
is never changed."""

from __future__ import annotations

from collections.abc import Iterator

from backend_agent.core.events import Event, ProposalReady
from backend_agent.core.proposal import FileChange, Proposal
from backend_agent.providers.base import ProposalRequest, Provider

from .conftest import git
from .helpers import generate, start, user_view


def build_phase_one(repo):
    with start(repo) as session:
        generate(session, "architecture")
        session.approve_all()
        return session.commit()


def test_detached_head(repo):
    (repo / "x.txt").write_text("x\n")
    git(repo, "add", "x.txt")
    git(repo, "commit", "-qm", "second")
    first = git(repo, "rev-parse", "HEAD~1").strip()
    git(repo, "checkout", "-q", "--detach", first)
    before = user_view(repo)
    sha = build_phase_one(repo)
    assert git(repo, "rev-parse", f"{sha}~1").strip() == first
    assert user_view(repo) == before


def test_head_branch_named_master_or_anything(make_repo):
    repo = make_repo()
    git(repo, "branch", "-m", "trunk-2024")
    before = user_view(repo)
    build_phase_one(repo)
    assert user_view(repo) == before
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "trunk-2024"


def test_autocrlf_does_not_change_what_we_commit(repo):
    git(repo, "config", "core.autocrlf", "true")
    with start(repo) as session:
        generate(session, "architecture")
        session.approve_all()
        sha = session.commit()
        expected = session.change("docs/requirements.md", "architecture").content
        blob = git(repo, "show", f"{sha}:docs/requirements.md")
    assert blob == expected and "\r\n" not in blob


class Names(Provider):
    name = "names"

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        changes = [
            FileChange(
                path="docs/with space/file name.md", action="create", content="a\n", kind="doc"
            ),
            FileChange(path="docs/ünïcødé/日本語.md", action="create", content="b\n", kind="doc"),
            FileChange(path="docs/glob[1]*?.md", action="create", content="c\n", kind="doc"),
        ]
        yield ProposalReady(Proposal(summary="names", changes=changes))


def test_spaces_non_ascii_and_glob_characters_in_names(repo):
    with start(repo, provider=Names()) as session:
        generate(session, "architecture")
        session.approve_all()
        sha = session.commit()
        files = set(session.worktree.files())
    assert {"docs/with space/file name.md", "docs/ünïcødé/日本語.md", "docs/glob[1]*?.md"} <= files
    assert git(repo, "show", f"{sha}:docs/ünïcødé/日本語.md") == "b\n"


def test_repository_with_a_submodule(repo, make_repo):
    library = make_repo()
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "lib")
    git(repo, "commit", "-qm", "add submodule")
    before = user_view(repo)
    build_phase_one(repo)
    assert user_view(repo) == before
    assert "lib" in git(repo, "ls-tree", "--name-only", "backend-agent/bookmarks")
