"""Skills: the expertise the prompts carry, browsable from every screen (f2).

The list shows each skill with where it comes from and which phases use it, and whether
this build uses it; the selected skill's SKILL.md is rendered beside it. Turning a skill
off is remembered in the build's state. Broken skills are listed too, with the rule they
break, since the loader skips them.

Rendering a SKILL.md takes a good part of a second, so moving through the list changes
the heading at once and renders the body of the skill the person stops on — never the
body of one they moved past.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from ...resources import stylesheet
from ..widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from ...skills import Finding, Skill, SkillSet
    from ..app import WizardApp

BROKEN = "broken:"
"""Id prefix of the entries for skills that failed validation."""
BODY_DELAY = 0.15
"""Seconds the selection must rest before the skill's body is rendered."""


def _folder(finding: Finding) -> str:
    path = finding.path
    return path.parent.name if path.name == "SKILL.md" else path.name


def phases_text(skill: Skill) -> str:
    return ", ".join(f"{p.number} {p.title}" for p in skill.phases) or "no phase (catalog only)"


def skill_prompt(skill: Skill, enabled: bool | None) -> Content:
    """One entry: on/off for this build (None: no build open), name, source, phases."""
    glyph, style = {True: ("●", "$text-success"), False: ("○", "$text-muted"), None: ("·", "")}[
        enabled
    ]
    numbers = ",".join(str(p.number) for p in skill.phases)
    used = f"phase{'s' if len(skill.phases) > 1 else ''} {numbers}" if numbers else "no phase"
    return Content.assemble(
        (glyph, style),
        " ",
        (skill.name, "bold" if enabled is not False else "$text-muted strike"),
        "  ",
        (f"{skill.source} · {used}", "$text-muted"),
    )


def skill_head(skill: Skill, enabled: bool | None) -> Content:
    state = {
        True: ("on for this build (space turns it off)", "$text-success"),
        False: ("off for this build (space turns it on)", "$text-warning"),
        None: ("open a build to turn it off or on for that build", "$text-muted"),
    }[enabled]
    return Content.assemble(
        (skill.name, "bold"),
        "  ",
        state,
        f"\nSource: {skill.source}" + ("" if skill.source == "built-in" else f" ({skill.path})"),
        f"\nUsed in full by: {phases_text(skill)}; the other phases see its description",
        (f"\n{skill.description}", "$text-muted"),
    )


class SkillsScreen(Screen):
    app: WizardApp
    CSS_PATH = stylesheet("skills")
    SHOWS_SKILLS = True
    BINDINGS = [
        Binding(
            "space",
            "toggle",
            "On/off",
            id="skills.toggle",
            tooltip="Turn the selected skill off (or on again) for this build",
        ),
        Binding("escape", "back", "Back", id="skills.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.skills: SkillSet | None = None
        self.body_of: str | None = None
        """The list entry whose body is rendered (None: none yet)."""
        self._body_timer = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="skills"):
            yield OptionList(id="skills-list")
            with VerticalScroll(id="skill-text"):
                yield Static(id="skill-head")
                yield Markdown(id="skill-body")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = "Skills"
        session = self.app.session
        self.sub_title = f"build {session.state.build}" if session else "no build open"
        root = session.repo.root if session else self.app.repo

        def work() -> SkillSet:
            from ...skills import load_skills

            return load_skills(root)

        self.app.run_engine(work, doing="load the skills", done=self._loaded)
        self.query_one("#skills-list", OptionList).focus()

    def enabled(self, name: str) -> bool | None:
        session = self.app.session
        return None if session is None else name not in session.state.disabled_skills

    def _loaded(self, skills: SkillSet) -> None:
        self.skills = skills
        listing = self.query_one("#skills-list", OptionList)
        options = [Option(skill_prompt(s, self.enabled(s.name)), id=s.name) for s in skills.all()]
        options += [
            Option(Content.styled(f"✗ {_folder(f)} (broken)", "$text-error"), id=f"{BROKEN}{i}")
            for i, f in enumerate(skills.findings)
        ]
        listing.add_options(options)
        listing.highlighted = 0 if options else None
        self._show()

    def on_option_list_option_highlighted(self) -> None:
        self._show()

    def _chosen_id(self) -> str | None:
        listing = self.query_one("#skills-list", OptionList)
        if listing.highlighted is None:
            return None
        return listing.get_option_at_index(listing.highlighted).id

    def _selected(self) -> Skill | Finding | None:
        listing = self.query_one("#skills-list", OptionList)
        if self.skills is None or listing.highlighted is None:
            return None
        chosen = listing.get_option_at_index(listing.highlighted).id or ""
        if chosen.startswith(BROKEN):
            return self.skills.findings[int(chosen.removeprefix(BROKEN))]
        return self.skills.get(chosen)

    def _show(self) -> None:
        """The heading now; the body once the selection rests."""
        from ...skills import Skill

        chosen = self._selected()
        head = self.query_one("#skill-head", Static)
        if isinstance(chosen, Skill):
            head.update(skill_head(chosen, self.enabled(chosen.name)))
        elif chosen is not None:
            head.update(Content.styled(f"Not loaded: {chosen.path}", "bold $text-error"))
        else:
            head.update(Content.styled("No skills found", "$text-muted"))
        self.query_one("#skill-body").set_class(self.body_of != self._chosen_id(), "-stale")
        if self._body_timer is not None:
            self._body_timer.stop()
        self._body_timer = self.set_timer(BODY_DELAY, self._render_body)
        self.refresh_bindings()

    @work(exclusive=True, group="skill-body")
    async def _render_body(self) -> None:
        from ...skills import Skill

        wanted, chosen = self._chosen_id(), self._selected()
        if wanted == self.body_of:
            self.query_one("#skill-body").remove_class("-stale")
            return
        if isinstance(chosen, Skill):
            text = chosen.body
        elif chosen is not None:
            text = f"The loader skips this skill: **{chosen.rule}**.\n\nFix it and reopen."
        else:
            text = ""
        body = self.query_one("#skill-body", Markdown)
        await body.update(text)
        self.body_of = wanted
        body.set_class(self._chosen_id() != wanted, "-stale")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle":
            from ...skills import Skill

            return isinstance(self._selected(), Skill) and self.app.session is not None
        return True

    def action_toggle(self) -> None:
        from ...skills import Skill

        skill, session = self._selected(), self.app.session
        if not isinstance(skill, Skill) or session is None:
            return
        enabled = not self.enabled(skill.name)

        def done(_) -> None:
            self.query_one("#skills-list", OptionList).replace_option_prompt(
                skill.name, skill_prompt(skill, enabled)
            )
            self._show()
            self.notify(f"{skill.name} is {'on' if enabled else 'off'} for this build")

        self.app.run_step(
            lambda: session.set_skill_enabled(skill.name, enabled),
            doing=f"turn {skill.name} {'on' if enabled else 'off'}",
            done=done,
        )

    def action_back(self) -> None:
        self.app.pop_screen()
