"""Welcome: start a build, resume one of this repository's builds, or try the demo.

It paints before the engine is imported; the builds and the provider fill in a moment
later from a worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ... import __version__
from ..widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from ..app import WizardApp

NEW, DEMO, SKILLS, HOME = "@new", "@demo", "@skills", "@home"


class WelcomeScreen(Screen):
    app: WizardApp
    BINDINGS = [
        Binding("n", "new_build", "New build", id="welcome.new", tooltip="Start a build"),
        Binding("d", "demo", "Demo", id="welcome.demo", tooltip="A scratch repo, offline"),
        Binding(
            "s",
            "sentence",
            "From a sentence",
            id="welcome.sentence",
            tooltip="Describe the backend in one sentence; a brief is drafted from it",
        ),
        Binding(
            "b",
            "home",
            "Back to your repo",
            id="welcome.home",
            tooltip="Leave the demo for the repository the wizard was opened on",
        ),
        Binding("enter", "open_selected", "Open", id="welcome.open", show=False),
        Binding(
            "c",
            "change_brief",
            "Change the brief",
            id="welcome.change-brief",
            tooltip="Open the selected build's brief; saving it with changes starts an evolution",
        ),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="welcome"):  # no Header: the intro names the app
            yield Static(
                Content.from_markup(
                    "[b]backend-agent[/b] $version\n"
                    "[dim]Build a production-grade backend with a person in the loop: a model "
                    "proposes each phase, you review every file, approved work lands on its "
                    "own git branch.[/]",
                    version=__version__,
                ),
                id="welcome-intro",
            )
            yield Static(id="welcome-repo")
            yield Static(Content.styled("Provider   …", "$text-muted"), id="welcome-provider")
            yield Input(
                placeholder='Start from a sentence, e.g. "build a backend for a dog-walking '
                'marketplace", then enter',
                id="welcome-sentence",
            )
            yield OptionList(id="welcome-choices")
        yield KeyBar()

    def on_mount(self) -> None:
        self._show_repo()
        choices = self.query_one("#welcome-choices", OptionList)
        choices.add_options(self._fixed_choices([]))
        choices.focus()
        self.call_after_refresh(self._fill_in)

    def _fill_in(self) -> None:
        """After the first paint: the engine's imports would only delay it."""
        self.refresh_builds()
        self.app.run_engine(self._provider_label, doing="set up the provider", done=self._provider)

    def _show_repo(self) -> None:
        app = self.app
        text = Content.from_markup("Repository [b]$repo[/]", repo=str(app.repo))
        if app.demo:
            text += Content.styled("  (a scratch repo made by `backend-agent demo`", "$text-muted")
            if app.repo != app.home:
                text += Content.styled(f"; b goes back to {app.home}", "$text-muted")
            text += Content.styled(")", "$text-muted")
        self.query_one("#welcome-repo", Static).update(text)

    # ---------------------------------------------------------------- builds
    def refresh_builds(self) -> None:
        def work():
            from ...engine import BuildSession

            return BuildSession.list(self.app.repo)

        self.app.run_engine(work, doing="list this repository's builds", done=self._builds)

    def _builds(self, builds: list) -> None:
        choices = self.query_one("#welcome-choices", OptionList)
        choices.clear_options()
        choices.add_options(self._fixed_choices(builds))
        ids = [choices.get_option_at_index(i).id for i in range(choices.option_count)]
        first_build = next((i for i, c in enumerate(ids) if c and c.startswith("build:")), None)
        choices.highlighted = first_build if first_build is not None else ids.index(NEW)

    def _fixed_choices(self, builds: list) -> list[Option]:
        home = []
        if self.app.repo != self.app.home:
            home.append(
                Option(
                    Content.from_markup(
                        "[b]Back to $home[/b]  [dim]the repository the wizard was opened on[/]",
                        home=str(self.app.home),
                    ),
                    id=HOME,
                )
            )
        options = home + [
            Option(
                Content.from_markup(
                    "[b]New build[/b]  [dim]from backend-brief.toml in this repository, or a "
                    "blank brief[/]"
                ),
                id=NEW,
            )
        ]
        for build in builds:
            kept = [p for p in build.committed if p not in build.lost]
            lost = f"lost from its branch: {', '.join(build.lost)}" if build.lost else ""
            done = " · ".join(filter(None, [", ".join(kept), lost])) or "nothing committed yet"
            if build.evolutions:
                done += f" · {build.evolutions} evolution{'s' if build.evolutions != 1 else ''}"
            provider = f"{build.provider} ({build.model})" if build.model else build.provider
            options.append(
                Option(
                    Content.from_markup(
                        "[b]Resume $name[/b]  at [b]$phase[/b]  [dim]· $done · $provider · "
                        "$when[/]",
                        name=build.build,
                        phase=build.phase,
                        done=done,
                        provider=provider,
                        when=f"{build.updated:%Y-%m-%d %H:%M} UTC",
                    ),
                    id=f"build:{build.build}",
                )
            )
        options.append(
            Option(
                Content.from_markup(
                    "[b]Demo[/b]  [dim]a scratch repository with the example brief, built "
                    "offline[/]"
                ),
                id=DEMO,
            )
        )
        options.append(
            Option(
                Content.from_markup(
                    "[b]Skills[/b]  [dim]the expertise the prompts carry; f2 opens them from "
                    "any screen[/]"
                ),
                id=SKILLS,
            )
        )
        return options

    # -------------------------------------------------------------- provider
    def _provider_label(self) -> Content:
        import os

        from ...providers import create_provider, default_provider_name

        if self.app.provider_override is not None:
            return Content.from_markup("[b]$label[/b]", label=self.app.provider_override.label)
        name = default_provider_name()
        if name == "offline":
            return Content.from_markup(
                "[b]offline[/b] [dim]— no ANTHROPIC_API_KEY is set, so the built-in generator "
                "proposes (phases are deterministic; revisions cannot use feedback)[/]"
            )
        try:
            provider = create_provider(name)
        except Exception as error:  # noqa: BLE001 - shown, not raised: review still works
            message = getattr(error, "message", str(error))
            return Content.from_markup(
                "[b]$name[/b] [$text-error]— cannot be used: $message[/]",
                name=name,
                message=message,
            )
        key = "ANTHROPIC_API_KEY is set" if os.environ.get("ANTHROPIC_API_KEY") else ""
        return Content.from_markup("[b]$label[/b] [dim]— $key[/]", label=provider.label, key=key)

    def _provider(self, label: Content) -> None:
        self.query_one("#welcome-provider", Static).update(Content("Provider   ") + label)

    # --------------------------------------------------------------- actions
    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._open(event.option.id)

    def action_open_selected(self) -> None:
        choices = self.query_one("#welcome-choices", OptionList)
        if choices.highlighted is not None:
            self._open(choices.get_option_at_index(choices.highlighted).id)

    def action_change_brief(self) -> None:
        choices = self.query_one("#welcome-choices", OptionList)
        index = choices.highlighted
        choice = choices.get_option_at_index(index).id if index is not None else None
        if not choice or not choice.startswith("build:"):
            self.notify("select a build first (up/down), then c", severity="warning")
            return
        self.app.change_brief(choice.removeprefix("build:"))

    def _open(self, choice: str | None) -> None:
        if choice == NEW:
            self.action_new_build()
        elif choice == DEMO:
            self.action_demo()
        elif choice == SKILLS:
            self.app.action_skills()
        elif choice == HOME:
            self.action_home()
        elif choice and choice.startswith("build:"):
            self.app.open_build(choice.removeprefix("build:"))

    def action_sentence(self) -> None:
        self.query_one("#welcome-sentence", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """A sentence becomes a draft brief, opened on the Brief screen for review."""
        if event.input.id == "welcome-sentence" and event.value.strip():
            self.app.draft_brief(event.value)

    def action_new_build(self) -> None:
        from .brief import BriefScreen

        self.app.push_screen(BriefScreen(self.app.repo / "backend-brief.toml"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "home":
            return self.app.repo != self.app.home
        return True

    def action_demo(self) -> None:
        def work():
            from ...demo import demo_repo
            from ...engine import BuildSession

            repo, _ = demo_repo(None)
            return repo, bool(BuildSession.list(repo))

        self.app.run_engine(work, doing="make the demo repository", done=self._demo_ready)

    def _demo_ready(self, found) -> None:
        """In the demo repository now: its build to resume, or a new one from its brief."""
        repo, built = found
        self.app.repo, self.app.demo = repo, True
        self._show_repo()
        self.refresh_builds()
        self.refresh_bindings()
        back = f"; b comes back to {self.app.home}" if repo != self.app.home else ""
        self.notify(f"this is the demo repository {repo}{back}", title="Demo", timeout=10)
        if not built:
            self.action_new_build()

    def action_home(self) -> None:
        app = self.app
        app.repo, app.demo = app.home, False
        self._show_repo()
        self.refresh_builds()
        self.refresh_bindings()
