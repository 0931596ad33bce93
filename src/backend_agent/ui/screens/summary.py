"""Summary: what the build committed, what it cost, and how to merge it or open a PR."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown

from ...core.phases import PHASES

if TYPE_CHECKING:
    from ..app import WizardApp

ACTION_WORDS = {"create": "new", "modify": "changed", "delete": "deleted"}


def _cost(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.2f}"


def summary_markdown(report: dict, handoff) -> str:
    lines = [
        f"# Build {report['build']}",
        "",
        f"- Branch: `{report['branch']}`",
        f"- Worktree: `{report['worktree']}`",
        f"- Repository: `{report['repo']}`",
        f"- Provider: {report['provider']}" + (f" ({report['model']})" if report["model"] else ""),
        "",
        "## Phases",
        "",
        "| # | Phase | Status | Commit | Files | Tokens in / out | Cost |",
        "|---|-------|--------|--------|-------|-----------------|------|",
    ]
    for phase, entry in zip(PHASES, report["phases"], strict=True):
        usage = entry["usage"]
        files = entry["files"]
        approved = sum(1 for f in files if f["review"] == "approved")
        described = f"{approved} of {len(files)} approved" if files else "–"
        commit = f"`{entry['commit'][:10]}`" if entry["commit"] else "–"
        tokens_in = usage["input_tokens"] + usage["cache_write_tokens"] + usage["cache_read_tokens"]
        lines.append(
            f"| {phase.number} | {phase.title} | {entry['status']} | {commit} | {described} | "
            f"{tokens_in:,} / {usage['output_tokens']:,} | {_cost(usage['cost_usd'])} |"
        )
    usage = report["usage"]
    lines += [
        "",
        f"**Total:** {usage['input_tokens']:,} input, {usage['output_tokens']:,} output, "
        f"{usage['cache_write_tokens']:,} cache-write and {usage['cache_read_tokens']:,} "
        f"cache-read tokens; cost {_cost(usage['cost_usd'])}.",
        "",
        "## Files committed",
        "",
    ]
    committed_any = False
    for phase, entry in zip(PHASES, report["phases"], strict=True):
        if entry["status"] != "committed":
            continue
        committed_any = True
        lines.append(f"**{phase.number}. {phase.title}** (`{entry['commit'][:10]}`)")
        lines.append("")
        for file in entry["files"]:
            if file["review"] == "approved":
                lines.append(f"- {ACTION_WORDS[file['action']]} `{file['path']}`")
        lines.append("")
    if not committed_any:
        lines += ["Nothing is committed yet.", ""]
    if report["refused"]:
        lines += ["## Refused", ""]
        lines += [f"- `{r['path']}` ({r['phase']}): {r['reason']}" for r in report["refused"]]
        lines.append("")
    target = handoff.target or "your branch"
    lines += [
        f"## Merge into {target}",
        "",
        "```sh",
        *handoff.merge,
        "```",
        "",
        "## Or open a pull request",
        "",
        "```sh",
        *handoff.pull_request,
        "```",
        "",
        "backend-agent never pushes or merges: these are for you to run.",
    ]
    return "\n".join(lines) + "\n"


class SummaryScreen(Screen):
    app: WizardApp
    BINDINGS = [
        Binding("escape", "back", "Back", id="summary.back"),
        Binding("y", "copy", "Copy merge commands", id="summary.copy"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="summary"):
            yield Markdown(id="summary-text")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Summary"
        found = self.app.guard(self._gather, "summarise the build")
        self.handoff = found[1] if found else None
        if found:
            self.query_one(Markdown).update(summary_markdown(*found))
        self.query_one("#summary").focus()

    def _gather(self):
        from ...engine.handoff import handoff
        from ...engine.report import build_report

        session = self.app.session
        return build_report(session), handoff(session)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_copy(self) -> None:
        if self.handoff is not None:
            self.app.copy_to_clipboard("\n".join(self.handoff.merge) + "\n")
            self.notify("the merge commands are on the clipboard")
