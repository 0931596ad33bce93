"""Evolving a build: a changed brief runs the phases it touches again, as a delta.

Each phase's proposal is the generator's new version of its files ("theirs") merged with
the branch as it is ("ours") from the generator's last version ("base"): the person's
changes stay, the generator's are proposed as hunks, and where both changed the same lines
the hunk is a conflict (core/merge3.py). New files are proposed whole; a file the person
deleted stays deleted unless they approve it back; a dropped column waits for its own
approval. Each touched phase is one commit with the evolution's trailers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.brief import Brief
from ..core.brief_diff import diff_briefs
from ..core.errors import BadInput, Conflict
from ..core.events import MergeBase
from ..core.hunks import Apart
from ..core.merge3 import merge
from ..core.phases import PHASES, phase
from ..core.proposal import FileChange, Proposal
from ..providers import check_brief
from ..providers.base import EvolutionRequest
from .hunk_review import conflict_apart
from .state import Evolution, FileMerge, PhaseRecord

if TYPE_CHECKING:
    from .session import BuildSession

HOLDS_YOURS = (
    "the generator no longer writes this file and it holds changes of yours: approving "
    "deletes them too"
)
PERSON_LIMIT = 40_000
START_FILES = ("README.md", "pyproject.toml", "package.json", ".gitignore")
"""Files of the start commit the generator reads (besides ADRs): the rest only by name."""


class Evolving:
    """Part of `BuildSession`: starting, running, committing and discarding evolutions."""

    def evolve(self: BuildSession, brief: Brief, *, onto: str | None = None) -> Evolution:
        """Start evolution N for `brief`: the phases its change touches get fresh records
        (the old ones are kept to come back to); generate them in order as usual."""
        state = self.state
        self.refuse_pending_review()
        diff = diff_briefs(state.brief, brief)
        if diff.empty:
            raise BadInput(
                "the brief is the same as the build's: there is nothing to evolve",
                hint="change entities, fields, relations, roles, access, targets or the "
                "requirements, then evolve again",
            )
        check_brief(self.provider.name, brief, "the changed brief", self.limits)
        committed = {p.id for p in PHASES if state.record(p.id).status == "committed"}
        phases = [p for p in diff.phases if p in committed]
        if not phases:
            raise BadInput(
                "none of the phases this change touches is committed yet ("
                + ", ".join(diff.phases)
                + ")",
                hint="finish the build first (`backend-agent resume`); later phases are made "
                "from the brief as it is then",
            )
        if onto:
            self._fast_forward(onto)
        evolution = Evolution(
            number=len(state.evolutions) + 1,
            before=state.brief,
            after=brief,
            summary=diff.summary(),
            lines=diff.lines(),
            phases=phases,
            head=self.worktree.head(),
            previous={p: state.record(p) for p in phases},
            previous_current=state.current,
            two_way=self._rewritten(),
        )
        for p in phases:
            state.phases[p] = PhaseRecord(id=p, evolution=evolution.number)
        state.brief, state.current = brief, phases[0]
        state.evolutions.append(evolution)
        self.save()
        return evolution

    def refuse_pending_review(self: BuildSession) -> None:
        state = self.state
        running = state.evolution
        if running is not None:
            left = [p for p in running.phases if state.record(p).status != "committed"]
            left = [p for p in left if p not in running.unchanged]
            raise Conflict(
                f"evolution {running.number} is not finished: "
                + ", ".join(f"phase {phase(p).number} ({p})" for p in left)
                + " still wait for review",
                hint="finish it (`backend-agent resume --approve ...`, or the wizard), or "
                "discard it with `backend-agent undo` (once per commit it made, then once more)",
            )
        for record in state.phases.values():
            if record.status in ("generating", "proposed", "committing"):
                target = phase(record.id)
                raise Conflict(
                    f"phase {target.number} ({target.id}) is proposed and waits for review",
                    hint="finish it first: commit it (`backend-agent commit`, or the wizard), "
                    "or `backend-agent undo` the phase before it",
                )

    def _fast_forward(self: BuildSession, ref: str) -> None:
        """Move our branch to `ref` when `ref` already contains it (the person merged the
        build into their branch and went on there); only our branch moves."""
        target = self.repo.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        if not target.strip():
            raise BadInput(f"--onto {ref}: there is no such branch or commit in {self.repo.root}")
        target, head = target.strip(), self.worktree.head()
        if target == head:
            return
        if not self.worktree.is_ancestor(head, target):
            raise BadInput(
                f"--onto {ref}: {ref} does not contain {self.state.branch} (at {head[:10]})",
                hint=f"merge the build into it first (`git merge {self.state.branch}` on {ref}), "
                "then evolve --onto it; backend-agent only fast-forwards its own branch",
            )
        if self.worktree.git("status", "--porcelain").strip():
            raise Conflict(
                f"the build's worktree {self.worktree.path} has uncommitted changes",
                hint="commit or discard them there first",
            )
        self.worktree.reset_to(target)

    def _rewritten(self: BuildSession) -> str | None:
        """Why the generator's last version cannot be trusted as the merge base: a commit
        of this build is no longer in the branch's history."""
        head = self.worktree.head()
        for record in self.state.phases.values():
            if record.commit and not self.worktree.is_ancestor(record.commit, head):
                return (
                    f"the branch no longer contains backend-agent's commit {record.commit[:10]} "
                    f"of phase {record.id} (its history was rewritten), so your changes cannot "
                    "be told from the generator's: every place where the branch and the new "
                    "version differ is a conflict for you to pick"
                )
        return None

    # ------------------------------------------------------------ generating
    def evolution_request(self: BuildSession, record: PhaseRecord) -> EvolutionRequest | None:
        if not record.evolution:
            return None
        evolution = self.state.evolutions[record.evolution - 1]
        on_branch = [p for p in self.worktree.files() if p.startswith("migrations/")]
        return EvolutionRequest(
            number=evolution.number,
            before=evolution.before,
            changes=evolution.lines,
            start=self._start_tree(),
            migrations=self.worktree.read_many(on_branch),
            person="" if self.state.provider == "offline" else self._person_changes(),
        )

    def _person_changes(self: BuildSession) -> str:
        """What the person changed since the generator's last version, as a unified diff
        (cut at PERSON_LIMIT characters): what a model is told to keep."""
        import difflib

        versions = {p: c for p, c in self._generator_versions().items() if c is not None}
        ours = self.worktree.read_many(versions)
        out: list[str] = []
        for path, text in sorted(versions.items()):
            mine = ours.get(path)
            if mine is not None and mine != text:
                out += difflib.unified_diff(
                    text.splitlines(keepends=True), mine.splitlines(keepends=True), path, path
                )
        diff = "".join(out)
        return diff if len(diff) <= PERSON_LIMIT else diff[:PERSON_LIMIT] + "\n[cut]\n"

    def _start_tree(self: BuildSession) -> dict[str, str]:
        """The start commit's files (those the generator reads, the rest by name only);
        a commit never changes, so it is read once per session."""
        found = getattr(self, "_start_files", None)
        if found is None:
            start = self._start_commit()
            paths = self.worktree.files(start)
            wanted = [p for p in paths if p in START_FILES or p.startswith("docs/adr/")]
            found = dict.fromkeys(paths, "")
            found.update(self.worktree.read_many(wanted, start))
            self._start_files = found
        return found

    def _start_commit(self: BuildSession) -> str:
        if self.state.base:
            return self.state.base
        roots = self.worktree.git("rev-list", "--max-parents=0", "HEAD").split()
        return roots[-1]

    def merged(
        self: BuildSession, record: PhaseRecord, proposal: Proposal, base: MergeBase | None
    ) -> Proposal:
        """The provider's new version of the phase's files merged with the branch; sets the
        record's merges and the files that need the person's own approval."""
        evolution = self.state.evolutions[record.evolution - 1]
        known = dict(base.files) if base else self._generator_versions()
        if evolution.two_way:
            known = {}
        ours = self.worktree.read_many(c.path for c in proposal.changes)
        changes, merges, confirm = merge_changes(proposal.changes, known, ours)
        blocking = [p for p, why in confirm.items() if why.startswith(HOLDS_YOURS)]
        if base:
            confirm.update(base.confirm)
            blocking += list(base.confirm)
        record.merges, record.confirm, record.blocking = merges, confirm, blocking
        for change in proposal.changes:
            evolution.generated[change.path] = None if change.action == "delete" else change.content
        summary = proposal.summary
        if evolution.two_way:
            summary += f"\n\n> **Two-way merge:** {evolution.two_way}.\n"
        return proposal.model_copy(update={"changes": changes, "summary": summary})

    def _generator_versions(self: BuildSession) -> dict[str, str | None]:
        """What the generator wrote last for every file, from the build state: the first
        proposals of the build, then what each evolution's generator wrote."""
        state = self.state
        first = {p: r for e in reversed(state.evolutions) for p, r in e.previous.items()}
        out: dict[str, str | None] = {}
        for p in PHASES:
            record = first.get(p.id) or state.record(p.id)
            if record.evolution or record.proposal is None or record.status != "committed":
                continue
            for change in record.proposal.changes:
                out[change.path] = None if change.action == "delete" else change.content
        for evolution in state.evolutions[:-1]:
            out.update(evolution.generated)
        return out

    def settle_unchanged(self: BuildSession, record: PhaseRecord) -> bool:
        """An evolution's phase with nothing to change keeps its old record and commit."""
        if not record.evolution or (record.proposal and record.proposal.changes):
            return False
        evolution = self.state.evolutions[record.evolution - 1]
        self.state.phases[record.id] = evolution.previous[record.id]
        evolution.unchanged.append(record.id)
        later = [p for p in evolution.phases if p not in evolution.unchanged]
        later = [p for p in later if self.state.record(p).status != "committed"]
        self.state.current = later[0] if later else self.state.current
        return True

    # --------------------------------------------------------------- review
    def apart(
        self: BuildSession, path: str, ours: str | None, phase_id: str | None = None
    ) -> Apart | None:
        """The conflict regions of an evolution's merged file against `ours` (the branch
        file), or None for any other file."""
        return conflict_apart(self.record(phase_id).merges.get(path), ours)

    def conflict_hunks(self: BuildSession, path: str, phase_id: str | None = None) -> set[int]:
        """Indexes of the hunks of `path` that are conflicts (see core/merge3.py)."""
        return {h.index for h, _ in self.hunks(path, phase_id) if h.conflict}

    def own_approval(self: BuildSession) -> dict[str, str]:
        """Undecided files of an evolution that approving all leaves alone, and why."""
        record = self.record()
        out = {}
        for path, why in record.confirm.items():
            change = record.proposal.change(path) if record.proposal else None
            if change and record.review(path).state(change) in ("pending", "edited"):
                out[path] = why
        return out

    def pending_conflicts(self: BuildSession) -> list[str]:
        """`path hunk N` for every conflict nobody has picked a side of yet, and `path` for
        every file that drops data and waits for the person's decision."""
        proposal = self.proposal
        record = self.record()
        out = [
            f"{p} ({record.confirm[p]})"
            for p in record.blocking
            if proposal
            and proposal.change(p)
            and record.review(p).state(proposal.change(p)) in ("pending", "edited")
        ]
        for change in proposal.changes if proposal else []:
            for hunk, review in self.hunks(change.path):
                if hunk.conflict and review.decision == "pending":
                    out.append(f"{change.path} hunk {hunk.index} (a conflict)")
        return out

    # -------------------------------------------------------------- undoing
    def discard_evolution(self: BuildSession) -> Evolution:
        """The last evolution with none of its commits left: its phases get their old
        records back and the brief is as before it."""
        state = self.state
        evolution = state.evolutions[-1]
        if any(
            state.record(p).status == "committed" and state.record(p).evolution == evolution.number
            for p in evolution.phases
        ):
            raise BadInput(f"evolution {evolution.number} still has commits; undo them first")
        for p, record in evolution.previous.items():
            if p not in evolution.unchanged:
                state.phases[p] = record
        state.brief, state.current = evolution.before, evolution.previous_current
        state.evolutions.pop()
        self.save()
        return evolution


def merge_changes(
    changes: list[FileChange], base: dict[str, str | None], ours: dict[str, str]
) -> tuple[list[FileChange], dict[str, FileMerge], dict[str, str]]:
    """Each new version merged with the branch file (pure: see the module docstring)."""
    out: list[FileChange] = []
    merges: dict[str, FileMerge] = {}
    confirm: dict[str, str] = {}
    for change in changes:
        path, mine = change.path, ours.get(change.path)
        last = base.get(path)
        if change.action == "delete":
            if mine is None:
                continue
            if mine != last:
                confirm[path] = HOLDS_YOURS
            out.append(change)
            continue
        if mine is None:
            if last is not None:
                if last == change.content:
                    continue
                confirm[path] = "you deleted this file; approving brings the generator's back"
            out.append(change)
            continue
        if mine == change.content:
            continue
        merged = merge(last, mine, change.content)
        if merged.text == mine:
            continue
        merges[path] = FileMerge(base=last, theirs=change.content)
        out.append(change.model_copy(update={"content": merged.text, "action": "modify"}))
    return out, merges, confirm
