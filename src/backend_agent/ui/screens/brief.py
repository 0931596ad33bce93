"""Brief: a form over `backend-brief.toml`, validated as you type with the CLI's own errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Input, Label, Select, Static, TextArea

from ...core.errors import BadInput
from ...resources import stylesheet
from ..brief_form import BLANK_ENTITIES, STACK_CHOICES, TARGET_KEYS, BriefForm
from ..widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from ...core.brief import Brief
    from ...core.intent import BriefDraft
    from ..app import WizardApp

TARGET_LABELS = {
    "requests_per_second": "Requests per second",
    "p99_latency_ms": "p99 latency (ms)",
    "availability": "Availability (e.g. 99.9%)",
    "data_retention_days": "Data retention (days)",
}


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    slug = slug if slug[:1].isalpha() else f"app-{slug}"
    return slug[:40].rstrip("-") or "my-backend"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


NEEDS_ENTITIES = (
    "needs entities — the offline generator builds the tables, services and tests of "
    "[[entities]]: fill in the template on the right (remove the #s), or set "
    "ANTHROPIC_API_KEY to build with Claude, which needs only the project"
)


def draft_note(draft: BriefDraft) -> str:
    """What the drafter assumed and asks, above a brief drafted from a sentence."""
    lines = [f"Drafted from: {draft.sentence or draft.brief.project.requirements.strip()}"]
    for title, items in (("Assumed", draft.assumptions), ("Open questions", draft.questions)):
        if items:
            lines += [f"{title}:", *(f"  • {item}" for item in items)]
    if draft.note:
        lines.append(draft.note)
    return "\n".join(lines)


class BriefScreen(Screen):
    app: WizardApp
    CSS_PATH = stylesheet("brief")
    BINDINGS = [
        Binding("ctrl+g", "start", "Start build", id="brief.start", tooltip="Start phase 1"),
        Binding("ctrl+s", "save", "Save", id="brief.save", tooltip="Save backend-brief.toml"),
        Binding("escape", "back", "Back", id="brief.back"),
    ]

    def __init__(
        self, path: Path, *, draft: BriefDraft | None = None, evolving: bool = False
    ) -> None:
        super().__init__()
        self.path = path
        self.evolving = evolving
        """On the open build's current brief: saving with changes starts an evolution."""
        self.form = BriefForm(name=_slug(path.parent.name), entities=BLANK_ENTITIES)
        self.draft = draft
        self.loaded = not path.exists()
        """False while saving would replace a file the form was not read from."""
        self._check_timer: Timer | None = None
        self.brief: Brief | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        if self.draft is not None:
            yield Static(Content(draft_note(self.draft)), id="brief-note")
        if self.evolving:
            yield Static(
                Content(
                    f"The brief of build {self.app.session.state.build}. Change it and save "
                    "(ctrl+s): the phases the change touches run again as a delta — your own "
                    "edits on the branch stay, and the changes come as hunks to review. The "
                    "project name and [stack] stay as they are."
                ),
                id="brief-note",
            )
        with Horizontal(id="brief"):
            with VerticalScroll(id="brief-form"):
                yield Label("Project", classes="brief-section")
                yield Input(id="project-name", placeholder="slug, e.g. bookmarks")
                yield Input(id="project-summary", placeholder="one line: what it is for")
                yield Label("Requirements", classes="brief-label")
                yield TextArea(id="project-requirements", soft_wrap=True)
                yield Label("Stack", classes="brief-section")
                with Grid(id="brief-stack"):
                    for key, choices in STACK_CHOICES.items():
                        yield Label(key.capitalize(), classes="brief-label")
                        yield Select(
                            [(c, c) for c in choices], id=f"stack-{key}", allow_blank=False
                        )
                yield Label("Targets (optional)", classes="brief-section")
                with Grid(id="brief-targets"):
                    for key in TARGET_KEYS:
                        yield Label(TARGET_LABELS.get(key, key), classes="brief-label")
                        yield Input(id=f"target-{key}")
            with Vertical(id="brief-entities"):
                yield Label("Roles, entities and relations (TOML)", classes="brief-section")
                yield TextArea.code_editor(id="entities", language="toml", soft_wrap=False)
        yield Static(id="brief-problems")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = str(self.path)
        if self.evolving:
            self.sub_title = f"build {self.app.session.state.build}: its brief"
            self.form = BriefForm.from_text(self.app.session.state.brief.to_toml())
        elif self.draft is not None:
            self.form = BriefForm.from_text(self.draft.to_toml())
        elif self.path.exists():
            self._load()
        self._fill()
        self.query_one("#project-name", Input).focus()
        self._check()

    def _load(self) -> None:
        from ...core.brief import read_brief_text

        try:
            self.form = BriefForm.from_text(read_brief_text(self.path))
            self.loaded = True
        except BadInput as error:
            self.app.show_error(
                error,
                f"read {self.path.name}",
                [
                    "fix the file in an editor and open the brief again, or fill in this form: "
                    "saving it replaces the file"
                ],
            )

    def _fill(self) -> None:
        form = self.form
        self.query_one("#project-name", Input).value = form.name
        self.query_one("#project-summary", Input).value = form.summary
        self.query_one("#project-requirements", TextArea).load_text(form.requirements)
        for key, choices in STACK_CHOICES.items():
            value = form.stack.get(key)
            select = self.query_one(f"#stack-{key}", Select)
            if value in choices:
                select.value = value
        for key in TARGET_KEYS:
            self.query_one(f"#target-{key}", Input).value = form.targets.get(key, "")
        self.query_one("#entities", TextArea).load_text(form.entities)

    def _read(self) -> BriefForm:
        form = BriefForm(
            name=self.query_one("#project-name", Input).value,
            summary=self.query_one("#project-summary", Input).value,
            requirements=self.query_one("#project-requirements", TextArea).text,
            entities=self.query_one("#entities", TextArea).text,
        )
        for key in STACK_CHOICES:
            value = self.query_one(f"#stack-{key}", Select).value
            if isinstance(value, str):
                form.stack[key] = value
        form.targets = {k: self.query_one(f"#target-{k}", Input).value for k in TARGET_KEYS}
        return form

    # ------------------------------------------------------------ validation
    def on_input_changed(self) -> None:
        self._schedule_check()

    def on_text_area_changed(self) -> None:
        self._schedule_check()

    def on_select_changed(self) -> None:
        self._schedule_check()

    def _schedule_check(self) -> None:
        if self._check_timer is not None:
            self._check_timer.stop()
        self._check_timer = self.set_timer(0.25, self._check)

    def _check(self) -> None:
        self.form = self._read()
        self.brief, problems = self.form.validate()
        panel = self.query_one("#brief-problems", Static)
        panel.set_class(bool(problems), "-invalid")
        unbuildable = self.cannot_build()
        panel.set_class(unbuildable is not None, "-incomplete")
        if unbuildable is not None:
            panel.update(Content.assemble(("! ", "bold $text-warning"), unbuildable))
            return
        if self.brief is not None:
            entities = ", ".join(e.name for e in self.brief.entities) or "no entities"
            if self.brief.roles:
                entities += " (roles: " + ", ".join(r.name for r in self.brief.roles) + ")"
            then = (
                "ctrl+s shows the change and evolves build $name"
                if self.evolving
                else "ctrl+g starts the build on branch backend-agent/$name"
            )
            panel.update(
                Content.from_markup(
                    "[$text-success]✓ valid[/] — $entities, $relations; " + then,
                    entities=entities,
                    relations=_plural(len(self.brief.relations), "relation"),
                    name=self.brief.project.name,
                )
            )
            return
        offset = self.form.entities_offset()
        lines = []
        for problem in problems:
            match = re.match(r"[^:]+:(\d+): ", problem)
            where = ""
            if match and int(match.group(1)) > offset:
                where = f"  (entities editor line {int(match.group(1)) - offset})"
            lines.append(f"✗ {problem}{where}")
        panel.update(Content("\n".join(lines)))

    # ---------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start" and self.evolving:
            return False  # saving starts the evolution
        return True

    def action_save(self) -> None:
        self._check()
        if self.evolving:
            self._evolve()
            return
        if not self.loaded:
            from ..modals import ConfirmModal

            def answer(yes: bool | None) -> None:
                if yes:
                    self.loaded = True
                    self._write()

            self.app.push_screen(
                ConfirmModal(
                    f"Replace {self.path.name}?",
                    "It could not be read into this form; saving writes the form instead.",
                    yes="Replace",
                ),
                answer,
            )
            return
        self._write()

    def _write(self) -> None:
        from ...core.brief import write_brief_text

        text = self.form.compose()
        if self.app.guard(lambda: write_brief_text(self.path, text) or True, "save the brief"):
            note = "" if self.brief else " (it still has problems: see below)"
            self.notify(f"saved {self.path}{note}")

    def _evolve(self) -> None:
        """Save as an evolution: show what changed, then run it (see engine/evolving.py)."""
        from ...core.brief_diff import diff_briefs
        from ..modals import ConfirmModal

        if self.brief is None:
            self.notify("fix the problems listed below first", severity="error")
            return
        session, brief, app = self.app.session, self.brief, self.app
        found = app.guard(lambda: diff_briefs(session.state.brief, brief), "compare the briefs")
        if found is None:
            return
        if found.empty:
            self.notify("the brief is unchanged: nothing to evolve", severity="warning")
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            app.run_engine(
                lambda: session.evolve(brief),
                doing="start the evolution",
                done=lambda evolution: app.session_ready(session, generate=True),
            )

        app.push_screen(
            ConfirmModal(
                f"Evolve {session.state.build}?",
                "\n".join(
                    [
                        "The brief changes:",
                        *(f"  • {line}" for line in found.lines()),
                        "",
                        "Phases to run again: " + ", ".join(found.phases),
                    ]
                ),
                yes="Evolve",
            ),
            answer,
        )

    def cannot_build(self) -> str | None:
        """Why the provider that would build this valid brief cannot (None: it can)."""
        brief, app = self.brief, self.app
        if self.evolving or brief is None or [e for e in brief.entities if e.name != "User"]:
            return None
        if app.provider_override is not None:
            name = app.provider_override.name
        else:
            from ...providers import default_provider_name

            name = "offline" if app.demo else default_provider_name()
        return NEEDS_ENTITIES if name == "offline" else None

    def action_start(self) -> None:
        self._check()
        if self.brief is None:
            self.notify("fix the problems listed below first", severity="error")
            return
        unbuildable = self.cannot_build()
        if unbuildable is not None:  # nothing is started: no branch, no worktree
            self.notify(unbuildable, title="Not started", severity="error", timeout=10)
            return
        brief, app = self.brief, self.app

        def work():
            from ...engine import BuildSession
            from ...providers import create_provider

            provider = app.provider_override or (create_provider("offline") if app.demo else None)
            draft = self.draft
            return BuildSession.start(
                app.repo,
                brief,
                provider=provider,
                limits=app.limits,
                sentence=draft.sentence if draft else None,
                usage=draft.usage if draft else None,
                brief_source=str(self.path),
            )

        self.notify(f"starting build {brief.project.name}…")
        app.run_engine(
            work,
            doing=f"start build {brief.project.name}",
            done=lambda session: app.session_ready(session, generate=True),
        )

    def action_back(self) -> None:
        self.app.pop_screen()
