"""Committing a phase's approved files as one commit on our branch, and undoing it."""

from __future__ import annotations

from ..core.errors import BadInput, Conflict
from ..core.phases import PHASES, Phase, phase

TRAILER_PREFIX = "Backend-Agent-"


class Committing:
    """Part of `BuildSession`: the phase commit, its message and trailers, and undo."""

    def commit_message(self) -> str:
        """The editable part of the commit message: subject and what goes in."""
        record, target = self.record(), self.phase
        summary = record.proposal.summary if record.proposal else ""
        first = next((ln.strip("# ").strip() for ln in summary.splitlines() if ln.strip()), "")
        subject = f"{target.id}: {first or target.title}"
        if len(subject) > 72:
            subject = subject[:71].rstrip() + "…"
        lines = [subject, ""]
        for change in record.approved():
            approved, total = self._hunk_tally(change.path)
            part = f" ({approved} of {total} hunks)" if approved < total else ""
            lines.append(
                f"- {change.action} {change.path}{part}" + (f": {change.why}" if change.why else "")
            )
        return "\n".join(lines).rstrip() + "\n"

    def _hunk_tally(self, path: str) -> tuple[int, int]:
        """(approved, all) hunks of a file decided hunk by hunk; (0, 0) for any other."""
        if not self.record().review(path).hunks:
            return 0, 0
        decisions = [review.decision for _, review in self.hunks(path)]
        return decisions.count("approved"), len(decisions)

    def commit_trailers(self) -> str:
        record = self.record()
        proposal = record.proposal
        states = [record.review(c.path).state(c) for c in proposal.changes] if proposal else []
        edited = sum(1 for c in record.approved() if record.review(c.path).edited_content)
        rejected = (
            [c.path for c in proposal.changes if record.review(c.path).state(c) == "rejected"]
            if proposal
            else []
        )
        left_out = sum(
            total - approved
            for approved, total in map(self._hunk_tally, (c.path for c in record.approved()))
        )
        trailers = [
            ("Phase", self.state.current),
            ("Build", self.state.build),
            ("Model", self.provider_label),
            ("Approved", str(states.count("approved"))),
            ("Edited", str(edited)),
            ("Rejected", str(len(rejected))),
            ("Hunks-Rejected", str(left_out)),
        ]
        if record.evolution:
            evolution = self.state.evolutions[record.evolution - 1]
            trailers += [
                ("Evolution", str(evolution.number)),
                ("Brief-Change", evolution.summary.replace("\n", " ")),
            ]
        return "\n".join(f"{TRAILER_PREFIX}{key}: {value}" for key, value in trailers) + "\n"

    def undecided(self) -> list[str]:
        """Files of the current proposal with no decision yet (or a hunk without one)."""
        record = self.record()
        changes = record.proposal.changes if record.proposal else []
        return [c.path for c in changes if record.review(c.path).state(c) in ("pending", "edited")]

    def commit(self, message: str | None = None, *, leave_undecided: bool = True) -> str:
        """Commit exactly the approved files of the current phase as one commit. The wizard
        leaves undecided files out (its dialog shows them); a headless commit refuses them
        (`leave_undecided=False`), as no one has looked at them."""
        record, target = self.record(), self.phase
        if record.status == "committed":
            raise BadInput(
                f"phase {target.number} ({target.id}) is already committed"
                + (f" ({record.commit[:10]})" if record.commit else ""),
                hint="undo its commit first (`backend-agent undo`) to change it",
            )
        if record.proposal is None:
            raise BadInput(
                f"phase {target.number} ({target.id}) has no proposal yet",
                hint="generate it first (`backend-agent resume --approve none`)",
            )
        refusal = self.out_of_order(target.id)
        if refusal is not None:
            raise refusal
        approved = record.approved()
        if not approved:
            raise BadInput(
                f"nothing is approved in phase {target.number} ({target.id})",
                hint="approve at least one file (or all of them) before committing",
            )
        undecided = [] if leave_undecided else self.undecided()
        if undecided:
            shown = ", ".join(undecided[:5]) + (
                f" and {len(undecided) - 5} more" if len(undecided) > 5 else ""
            )
            raise BadInput(
                f"{len(undecided)} file{'s' if len(undecided) != 1 else ''} of phase "
                f"{target.number} ({target.id}) {'are' if len(undecided) != 1 else 'is'} "
                f"not decided yet: {shown}",
                hint="approve or reject each one (`backend-agent review apply FILE`), "
                "then commit; nothing was committed",
            )
        body = (message if message is not None else self.commit_message()).strip()
        if not body:
            raise BadInput("the commit message is empty")
        text = f"{body}\n\n{self.commit_trailers()}"
        writes: dict[str, bytes | None] = {}
        for change in approved:
            content = record.review(change.path).content(change)
            writes[change.path] = None if change.action == "delete" else content.encode()
        author = self._author or self.repo.author()
        record.parent, record.status = self.worktree.head(), "committing"
        self.save()
        try:
            sha = self.worktree.commit(writes, text, author)
        except BaseException:
            self._reconcile()
            raise
        record.commit, record.status = sha, "committed"
        record.conversation = None  # nothing goes on from a committed phase: keep state small
        self._advance_from(target.id)
        self.save()
        return sha

    def out_of_order(self, phase_id: str) -> BadInput | None:
        """Why phase `phase_id` cannot be committed now (None: it can). Phases are committed
        in order, each on top of the one before: a later phase numbers its ADRs and builds
        its files after the earlier phases' commits, so its proposal must have seen them."""
        target = phase(phase_id)
        for earlier in PHASES[: target.number - 1]:
            if self.record(earlier.id).status != "committed":
                return BadInput(
                    f"phase {earlier.number} ({earlier.id}) is not committed yet, and phase "
                    f"{target.number} ({target.id}) builds on it: phases are committed in order",
                    hint=f"commit phase {earlier.number} first, then propose phase "
                    f"{target.number} again so it sees what phase {earlier.number} committed "
                    "(the wizard: r; headless: `backend-agent resume --approve ...` does it)",
                )
        return self.proposed_too_early(phase_id)

    def proposed_too_early(self, phase_id: str) -> BadInput | None:
        """Why the phase's proposal is stale (None: it is not): it was made before one of the
        committed phases before it was committed as it is now."""
        target, based_on = phase(phase_id), self.record(phase_id).based_on
        for earlier in PHASES[: target.number - 1]:
            record = self.record(earlier.id)
            if based_on and record.commit and not self.repo.is_ancestor(record.commit, based_on):
                return BadInput(
                    f"phase {target.number} ({target.id}) was proposed before phase "
                    f"{earlier.number} ({earlier.id}) was committed as it is now, so its ADR "
                    "numbers and files do not know that commit",
                    hint=f"propose phase {target.number} again (the wizard: r revises it; "
                    "headless: `backend-agent resume --approve ...` does it), then commit it",
                )
        return None

    def _advance_from(self, phase_id: str) -> None:
        if self.state.current != phase_id:
            return
        record = self.record(phase_id)
        if record.evolution:
            evolution = self.state.evolutions[record.evolution - 1]
            left = [
                p
                for p in evolution.phases
                if p not in evolution.unchanged and self.record(p).status != "committed"
            ]
            if left:
                self.state.current = left[0]
            return
        number = phase(phase_id).number
        if number < len(PHASES):
            self.state.current = PHASES[number].id

    def undo(self) -> Phase:
        """Drop the last phase commit: our branch moves back, reviews are kept for redoing.
        In an evolution, its commits go one at a time, last first; once none is left the
        next undo discards the evolution itself (see `discard_evolution`)."""
        latest = len(self.state.evolutions)
        committed = [
            p
            for p in PHASES
            if self.record(p.id).status == "committed" and self.record(p.id).evolution == latest
        ]
        if not committed and latest:
            self.discard_evolution()
            return phase(self.state.current)
        if not committed:
            raise BadInput("no phase of this build is committed; there is nothing to undo")
        last = committed[-1]
        record = self.record(last.id)
        head = self.worktree.head()
        if head != record.commit:
            raise Conflict(
                f"{self.state.branch} has moved since phase {last.id} was committed "
                f"(now at {head[:10]}, expected {record.commit[:10] if record.commit else '?'})",
                hint="backend-agent only undoes its own last commit; reset the branch by hand",
            )
        self.worktree.reset_to(record.parent or head + "^")
        record.commit, record.parent, record.status = None, None, "proposed"
        self.state.current = last.id
        self.save()
        return last
