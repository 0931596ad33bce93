"""Summary: what the build committed, what it cost, and how to merge it or open a PR."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Markdown

from ...core.phases import PHASES
from ...resources import stylesheet
from ..widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from ..app import WizardApp

ACTION_WORDS = {"create": "new", "modify": "changed", "delete": "deleted"}


def _cost(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.2f}"


def head_markdown(report: dict) -> str:
    provider = report["provider"] + (f" ({report['model']})" if report["model"] else "")
    return (
        f"# Build {report['build']}\n\n"
        f"- Branch: `{report['branch']}`\n"
        f"- Worktree: `{report['worktree']}`\n"
        f"- Repository: `{report['repo']}`\n"
        f"- Provider: {provider}\n"
        + "".join(
            f"- Evolution {e['number']}: {e['change']}\n" for e in report.get("evolutions", [])
        )
        + "\nPress **c** to change the brief: the phases it touches run again as a delta.\n"
    )


PHASE_COLUMNS = ("#", "Phase", "Status", "Commit", "Files", "Tokens in / out", "Cost")


def partly(file: dict) -> tuple[int, int] | None:
    """(approved, all) hunks of an approved file that goes in only in part: decided hunk
    by hunk, with hunks left out (a file approved whole has no hunk decisions)."""
    hunks = file["hunks"]
    approved = sum(1 for h in hunks if h["state"] == "approved")
    decided = any(h["state"] != "pending" for h in hunks)
    if file["review"] != "approved" or not decided or approved == len(hunks):
        return None
    return approved, len(hunks)


def files_cell(files: list[dict]) -> str:
    """`12 of 17 approved`, and how many of those go in only in part."""
    if not files:
        return "–"
    approved = [f for f in files if f["review"] == "approved"]
    part = sum(1 for f in approved if partly(f))
    text = f"{len(approved)} of {len(files)} approved"
    return text + (f" ({part} in part)" if part else "")


def phase_rows(report: dict) -> list[tuple[str, ...]]:
    rows = []
    for phase, entry in zip(PHASES, report["phases"], strict=True):
        usage, files = entry["usage"], entry["files"]
        tokens_in = usage["input_tokens"] + usage["cache_write_tokens"] + usage["cache_read_tokens"]
        rows.append(
            (
                str(phase.number),
                phase.title,
                entry["status"],
                entry["commit"][:10] if entry["commit"] else "–",
                files_cell(files),
                f"{tokens_in:,} / {usage['output_tokens']:,}",
                _cost(usage["cost_usd"]),
            )
        )
    return rows


def tail_markdown(report: dict, handoff) -> str:
    usage = report["usage"]
    lines = [
        f"**Total:** {usage['input_tokens']:,} input, {usage['output_tokens']:,} output, "
        f"{usage['cache_write_tokens']:,} cache-write and {usage['cache_read_tokens']:,} "
        f"cache-read tokens; cost {_cost(usage['cost_usd'])}.",
        "",
        f"## Merge into {handoff.target or 'your branch'}",
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
        "",
        "## Files committed",
        "",
    ]
    committed_any = False
    for phase, entry in zip(PHASES, report["phases"], strict=True):
        if entry["status"] != "committed":
            continue
        committed_any = True
        lines += [f"**{phase.number}. {phase.title}** (`{entry['commit'][:10]}`)", ""]
        for file in entry["files"]:
            if file["review"] == "approved":
                line = f"- {ACTION_WORDS[file['action']]} `{file['path']}`"
                counts = partly(file)
                if counts:
                    line += f" — in part: {counts[0]} of {counts[1]} hunks"
                lines.append(line)
        lines.append("")
    if not committed_any:
        lines += ["Nothing is committed yet.", ""]
    if report["refused"]:
        lines += ["## Refused", ""]
        lines += [f"- `{r['path']}` ({r['phase']}): {r['reason']}" for r in report["refused"]]
        lines.append("")
    return "\n".join(lines) + "\n"


class SummaryScreen(Screen):
    app: WizardApp
    CSS_PATH = stylesheet("summary")
    BINDINGS = [
        Binding("escape", "back", "Back", id="summary.back"),
        Binding("y", "copy", "Copy merge commands", id="summary.copy"),
        Binding(
            "c",
            "change_brief",
            "Change the brief",
            id="summary.change-brief",
            tooltip="Edit the build's brief; saving it with changes starts an evolution",
        ),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="summary"):
            yield Markdown(id="summary-head")
            yield DataTable(id="summary-phases", cursor_type="none", zebra_stripes=True)
            yield Markdown(id="summary-text")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = "Summary"
        found = self.app.guard(self._gather, "summarise the build")
        self.handoff = found[1] if found else None
        if found:
            report, handoff = found
            self.query_one("#summary-head", Markdown).update(head_markdown(report))
            table = self.query_one(DataTable)
            table.add_columns(*PHASE_COLUMNS)
            table.add_rows(phase_rows(report))
            self.query_one("#summary-text", Markdown).update(tail_markdown(report, handoff))
        self.query_one("#summary").focus()

    def _gather(self):
        from ...engine.handoff import handoff
        from ...engine.report import build_report

        session = self.app.session
        return build_report(session), handoff(session)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_change_brief(self) -> None:
        self.app.change_brief()

    def action_copy(self) -> None:
        """Textual copies by OSC 52, which a terminal may ignore without saying: the
        toast says how it was sent, not that it arrived."""
        if self.handoff is not None:
            self.app.copy_to_clipboard("\n".join(self.handoff.merge) + "\n")
            self.notify(
                "sent the merge commands to your terminal's clipboard (OSC 52); if paste "
                "does not show them, select them under “Merge” above",
                title="Copy",
            )
