"""Model output is untrusted: each unsafe file is refused on its own, with a reason, and
nothing is written outside the worktree."""

from __future__ import annotations

import os
import string
from collections.abc import Iterator
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend_agent.core.events import Event, ProposalReady
from backend_agent.core.proposal import FileChange, Proposal
from backend_agent.engine.report import build_report
from backend_agent.providers.base import ProposalRequest, Provider
from backend_agent.workspace.paths import Limits, UnsafePath, check_relative, resolve_inside

from .conftest import git
from .helpers import generate, start


class Scripted(Provider):
    """Proposes exactly the changes it is given, like a model could."""

    name = "scripted"

    def __init__(self, changes: list[FileChange]) -> None:
        self.changes = changes

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        yield ProposalReady(
            Proposal.model_construct(
                summary="hostile", changes=self.changes, questions=[], phase=""
            )
        )


def change(path, content="ok\n", action="create") -> FileChange:
    return FileChange.model_construct(
        path=path, action=action, content=content, kind="code", why=""
    )


HOSTILE = {
    "/etc/passwd": "absolute paths are not allowed",
    "../outside.txt": "'..' segments are not allowed",
    "docs/../../outside.txt": "'..' segments are not allowed",
    ".git/hooks/pre-commit": "paths into .git are not allowed",
    "sub/.GIT/config": "paths into .git are not allowed",
    "C:/Windows/system32/evil.dll": "Windows drive paths",
    "\\\\server\\share\\x": "UNC or network paths",
    "dir\\file.txt": "backslashes are not allowed",
    "nul\x00byte.txt": "NUL byte",
    "docs/con.txt": "reserved device name on Windows",
    "": "the path is empty",
    "trailing/": "names a directory",
    "~/.ssh/authorized_keys": "paths starting with '~'",
    "bad\udc80name.txt": "not valid UTF-8",
}


def test_each_hostile_path_is_refused_alone_and_nothing_escapes(repo, tmp_path):
    outside = repo.parent / "outside.txt"
    hooks_before = sorted(os.listdir(repo / ".git" / "hooks"))
    changes = [change(p) for p in HOSTILE] + [change("src/fine.py", "x = 1\n")]
    with start(repo, provider=Scripted(changes)) as session:
        generate(session, "architecture")
        refused = {r.path: r.reason for r in session.record().refused}
        assert [c.path for c in session.proposal.changes] == ["src/fine.py"]
        session.approve_all()
        session.commit()
        report = build_report(session)
    assert len(refused) == len(HOSTILE)
    for path, reason in HOSTILE.items():
        shown = next(
            v
            for k, v in refused.items()
            if k == path or k == path.encode("unicode_escape", "backslashreplace").decode("ascii")
        )
        assert reason in shown, (path, shown)
    assert len(report["refused"]) == len(HOSTILE)
    assert all(r["phase"] == "architecture" for r in report["refused"])
    assert not outside.exists()
    assert sorted(os.listdir(repo / ".git" / "hooks")) == hooks_before
    assert git(repo, "status", "--porcelain") == ""


def test_symlink_out_of_the_worktree_is_refused(repo, tmp_path):
    secret_dir = tmp_path / "elsewhere"
    secret_dir.mkdir()
    os.symlink(secret_dir, repo / "link")
    os.symlink(secret_dir / "file.txt", repo / "filelink")
    git(repo, "add", "link", "filelink")
    git(repo, "commit", "-qm", "links")
    changes = [
        change("link/planted.txt"),
        change("filelink", "overwrite\n", "modify"),
        change("ok.txt"),
    ]
    with start(repo, provider=Scripted(changes)) as session:
        generate(session, "architecture")
        reasons = {r.path: r.reason for r in session.record().refused}
        session.approve_all()
        session.commit()
    assert "'link' is a symbolic link" in reasons["link/planted.txt"]
    assert "the file is a symbolic link" in reasons["filelink"]
    assert list(secret_dir.iterdir()) == []


def test_limits_duplicates_case_and_deletes(repo):
    (repo / "README.md").write_text("mine\n")
    limits = Limits(max_file_bytes=100, max_proposal_bytes=250, max_files=4)
    changes = [
        change("big.txt", "x" * 101),
        change("a.txt", "a" * 100),
        change("a.txt", "again"),
        change("A.TXT", "case"),
        change("readme.md", "case of a file on the branch"),
        change("missing.txt", action="delete"),
        change("b.txt", "b" * 100),
        change("c.txt", "c" * 100),
        change("README.md", action="delete"),
        change("d.txt", "d"),
        change("e.txt", "e"),
    ]
    with start(repo, provider=Scripted(changes), limits=limits) as session:
        generate(session, "architecture")
        reasons = [(r.path, r.reason) for r in session.record().refused]
        kept = [(c.path, c.action) for c in session.proposal.changes]
    assert kept == [
        ("a.txt", "create"),
        ("b.txt", "create"),
        ("README.md", "delete"),
        ("d.txt", "create"),
    ]
    assert reasons == [
        ("big.txt", "the content is 101 bytes, over the limit of 100"),
        ("a.txt", "the proposal changes this path twice"),
        (
            "A.TXT",
            "differs only in case from 'a.txt', which breaks on case-insensitive file systems",
        ),
        (
            "readme.md",
            "differs only in case from 'README.md' on the branch, which breaks on "
            "case-insensitive file systems",
        ),
        ("missing.txt", "deletes a file that does not exist on the branch"),
        ("c.txt", "the proposal passes its size limit of 250 bytes"),
        ("e.txt", "the proposal has more than 4 files"),
    ]


def test_binary_and_invalid_text_content_is_refused(repo):
    changes = [
        change("zero.bin", "a\x00b"),
        change("surrogate.txt", "bad \udc80 text"),
        change("fine.txt", "héllo ✓\n"),
    ]
    with start(repo, provider=Scripted(changes)) as session:
        generate(session, "architecture")
        reasons = {r.path: r.reason for r in session.record().refused}
        assert [c.path for c in session.proposal.changes] == ["fine.txt"]
    assert "NUL bytes" in reasons["zero.bin"]
    assert "not valid UTF-8" in reasons["surrogate.txt"]


def test_create_and_modify_follow_the_branch_not_the_model(repo):
    changes = [change("README.md", "new readme\n", "create"), change("new.txt", "n\n", "modify")]
    with start(repo, provider=Scripted(changes)) as session:
        generate(session, "architecture")
        actions = {c.path: c.action for c in session.proposal.changes}
    assert actions == {"README.md": "modify", "new.txt": "create"}


# ------------------------------------------------------------------ property tests
SEGMENT = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=12)
ANY_PATH = st.lists(
    st.sampled_from(list("ab./\\:~ \x00C") + [".git", "..", "GIT", "\udc80", "é", "con"]),
    max_size=12,
).map("".join)


@given(ANY_PATH)
def test_accepted_paths_are_relative_normal_and_stay_inside(path):
    try:
        normal = check_relative(path)
    except UnsafePath:
        return
    parts = normal.split("/")
    assert not normal.startswith("/") and "\\" not in normal and "\x00" not in normal
    assert ".." not in parts and "." not in parts and "" not in parts
    assert ".git" not in [p.lower() for p in parts]
    root = Path("/work/root")
    assert os.path.normpath(root / normal).startswith(str(root) + "/")


@given(st.lists(SEGMENT, min_size=1, max_size=6))
def test_plain_relative_paths_pass_unchanged(segments):
    path = "/".join(segments)
    if any(s.lower() == ".git" for s in segments) or any(
        s.lower().split(".")[0] in {"con", "prn", "aux", "nul"} for s in segments
    ):
        return
    if any(
        s.lower().startswith(("com", "lpt"))
        and s[3:4].isdigit()
        and s[3] != "0"
        and len(s.split(".")[0]) == 4
        for s in segments
    ):
        return
    assert check_relative(path) == path


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(st.lists(st.sampled_from(["a", "b", "link", "inner", "x.txt"]), min_size=1, max_size=5))
def test_resolution_never_leaves_the_root_through_links(tmp_path, segments):
    root = tmp_path / "root"
    if not root.exists():
        (root / "a" / "inner").mkdir(parents=True)
        (tmp_path / "outside").mkdir()
        os.symlink(tmp_path / "outside", root / "a" / "link")
        os.symlink(tmp_path / "outside", root / "link")
    path = "/".join(segments)
    try:
        target = resolve_inside(root, check_relative(path))
    except UnsafePath:
        return
    assert root.resolve() in Path(os.path.realpath(target)).parents
