"""The wizard: a Textual app over one `BuildSession`.

Screens render the session's state and call its methods; anything slow (git, the provider)
runs in a thread worker, and every failure ends in a dialog saying what to do next. The
engine is imported only once the first screen is painted, so the wizard opens fast.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding

from ..core.errors import BackendAgentError
from ..resources import stylesheet
from .config import UiConfig, load_ui_config, remember_theme
from .edits import EditBuffer

if TYPE_CHECKING:
    from ..engine.session import BuildSession
    from ..providers.base import Provider
    from ..workspace.paths import Limits
    from .place import Place


def binding_commands():
    """The palette's entries for the keys of the screen in front (imported when the palette
    first opens, not before the first screen)."""
    from .commands import BindingCommands

    return BindingCommands


BUG_STEPS = [
    "this is a bug in backend-agent; the build state is saved after every action, so you "
    "can quit (ctrl+q) and continue with `backend-agent resume`",
]


class WizardApp(App[int]):
    TITLE = "backend-agent"
    CSS_PATH = [stylesheet("wizard")]
    """The first screen's; every other screen brings its own (styles/*.tcss)."""
    COMMANDS = App.COMMANDS | {binding_commands}
    BINDINGS = [
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            id="app.quit",
            priority=True,
            show=False,
            tooltip="Leave the wizard; the build state is saved",
        ),
        Binding(
            "ctrl+t",
            "change_theme",
            "Theme",
            id="app.theme",
            show=False,
            tooltip="Pick a colour theme (remembered)",
        ),
        Binding(
            "question_mark,f1",
            "help",
            "Keys",
            id="app.help",
            tooltip="Every key of this screen, and why one cannot be used now",
        ),
        Binding(
            "f2",
            "skills",
            "Skills",
            id="app.skills",
            show=False,
            tooltip="The skills the prompts carry; turn one off for this build",
        ),
    ]

    def __init__(
        self,
        repo: str | Path,
        *,
        build: str | None = None,
        demo: bool = False,
        sentence: str | None = None,
        config: UiConfig | None = None,
        provider: Provider | None = None,
        limits: Limits | None = None,
    ) -> None:
        super().__init__()
        self.repo = Path(repo).expanduser().resolve()
        self.initial_build = build
        self.demo = demo
        self.sentence = sentence
        self.config = config if config is not None else load_ui_config()
        self.provider_override = provider
        """A provider to use instead of the build's own (tests, benchmarks)."""
        self.limits = limits
        """What a proposal may hold (None: the defaults)."""
        self.session: BuildSession | None = None
        self.place: Place | None = None
        """Where the person is in the open build (saved with it, restored on resume)."""
        self._place_timer = None
        self.left: tuple[str, Path] | None = None
        """The last build open (name, repository): what to say to resume it on exit."""
        self.home = self.repo
        """The repository the wizard was opened on (the demo may switch away from it)."""
        self.edits = EditBuffer()
        self._work_done: list[threading.Event] = []
        self._cancels: list[threading.Event] = []
        self._steps: deque[tuple] = deque()
        self._stepping = self._draining = False

    # ------------------------------------------------------------------ start
    def on_mount(self) -> None:
        if self.config.theme:
            if self.config.theme in self.available_themes:
                self.theme = self.config.theme
            else:
                self.config.problems.append(
                    f"config.toml: there is no theme {self.config.theme!r}; pick one with ctrl+t"
                )
        self.theme_changed_signal.subscribe(self, lambda theme: self._remember(theme.name))
        self._apply_keymap()
        for problem in self.config.problems:
            self.notify(problem, title="Config", severity="warning", timeout=12)
        if self.initial_build:
            self.open_build(self.initial_build)
        elif self.sentence:
            self.draft_brief(self.sentence)

    def _apply_keymap(self) -> None:
        """Remap now; name unknown binding ids once every screen is imported, which is
        left to a worker so the first screen does not wait for it."""
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
            from .screens import binding_ids

            self.run_engine(binding_ids, doing="read the keymap", done=self._check_keymap)

    def _check_keymap(self, known: set[str]) -> None:
        unknown = sorted(set(self.config.keymap) - known)
        if unknown:
            self.notify(
                f"config.toml: [keymap] names no binding {', '.join(unknown)}; "
                f"binding ids are {', '.join(sorted(known))}",
                title="Config",
                severity="warning",
                timeout=12,
            )

    def _remember(self, theme: str) -> None:
        try:
            remember_theme(theme)
        except (OSError, BackendAgentError) as error:
            self.notify(f"could not remember the theme: {error}", severity="warning")

    # -------------------------------------------------------------- sessions
    def open_build(self, name: str) -> None:
        """Resume a build of this repository and show its current phase."""

        def work() -> tuple[BuildSession, Place]:
            from ..engine import BuildSession
            from ..engine.place import load_place
            from .place import Place

            session = BuildSession.open(
                self.repo, name, provider=self.provider_override, limits=self.limits
            )
            return session, Place.from_dict(load_place(session))

        self.run_engine(
            work, doing=f"open build {name}", done=lambda found: self.session_ready(*found)
        )

    def change_brief(self, name: str | None = None) -> None:
        """The Brief screen on a build's current brief: saving it with changes starts an
        evolution. `name`: open that build first (from the Welcome screen)."""
        from .screens.brief import BriefScreen

        if name is None:
            self.push_screen(BriefScreen(self.repo / "backend-brief.toml", evolving=True))
            return

        def opened(session: BuildSession) -> None:
            self.close_session()
            self.session = session
            self.sub_title = f"{session.state.build} · {session.state.branch}"
            self.push_screen(BriefScreen(self.repo / "backend-brief.toml", evolving=True))

        def work() -> BuildSession:
            from ..engine import BuildSession

            return BuildSession.open(
                self.repo, name, provider=self.provider_override, limits=self.limits
            )

        self.run_engine(work, doing=f"open build {name}", done=opened)

    def draft_brief(self, sentence: str) -> None:
        """Open the Brief screen on a brief drafted from one sentence."""

        def work():
            from ..core.intent import read_intent
            from ..providers import create_provider

            provider = self.provider_override or create_provider("offline" if self.demo else None)
            return provider.draft_brief(read_intent(sentence))

        def drafted(draft) -> None:
            from .screens.brief import BriefScreen

            self.push_screen(BriefScreen(self.repo / "backend-brief.toml", draft=draft))

        self.run_engine(work, doing="draft a brief from your sentence", done=drafted)

    def session_ready(
        self, session: BuildSession, place: Place | None = None, *, generate: bool = False
    ) -> None:
        from .place import Place
        from .screens.phase import PhaseScreen

        if self.session is not session:
            self.close_session()
        self.session = session
        self.place = place or Place()
        self.left = (session.state.build, session.repo.root)
        self.sub_title = f"{session.state.build} · {session.state.branch}"
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(PhaseScreen(session.state.current, generate=generate))

    def close_session(self) -> None:
        if self.session is not None:
            self.guard(self.edits.flush, "save the edit in progress")
            self.save_place()
            self.session.close()
            self.session = None

    def leave(self) -> None:
        """Close the build and go back to the start screen, which lists it to resume."""
        self.close_session()
        self.sub_title = ""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.screen_stack[0].refresh_builds()

    def save_place_soon(self) -> None:
        """Save the person's place a moment after they stop moving."""
        if self._place_timer is not None:
            self._place_timer.stop()
        self._place_timer = self.set_timer(1.5, self._save_place_now)

    def _save_place_now(self) -> None:
        session, place = self.session, self.place
        if session is not None and place is not None:
            data = place.to_dict()
            from ..engine.place import save_place

            self.run_engine(lambda: save_place(session, data), doing="remember your place")

    def save_place(self) -> None:
        if self._place_timer is not None:
            self._place_timer.stop()
        if self.session is not None and self.place is not None:
            from ..engine.place import save_place

            data = self.place.to_dict()
            self.guard(lambda: save_place(self.session, data), "remember your place")

    def on_unmount(self) -> None:
        for cancel in self._cancels:
            cancel.set()
        for done in list(self._work_done):
            done.wait(timeout=15)
        self._draining = True  # what is still queued (the last edit, say) runs here
        while self._steps:
            work, doing, *_ = self._steps.popleft()
            self.guard(work, doing)
        self.close_session()

    # ------------------------------------------------------ engine and errors
    def run_engine(
        self,
        work: Callable[[], Any],
        *,
        doing: str,
        done: Callable[[Any], None] | None = None,
        failed: Callable[[], None] | None = None,
        next_steps: list[str] | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        """Run `work` in a thread; hand its result to `done`, or its error to a dialog."""
        finished = threading.Event()
        self._work_done.append(finished)
        if cancel is not None:
            self._cancels.append(cancel)

        def body() -> None:
            try:
                result = work()
            except BaseException as error:  # noqa: BLE001 - every failure becomes a dialog
                self._from_thread(self._failed, error, doing, next_steps or [], failed)
            else:
                if done is not None:
                    self._from_thread(self._deliver, done, result, doing)
            finally:
                finished.set()
                self._from_thread(self._forget, finished, cancel)

        self.run_worker(body, thread=True, group="engine", exit_on_error=False, name=doing)

    def run_step(
        self,
        work: Callable[[], Any],
        *,
        doing: str,
        done: Callable[[Any], None] | None = None,
        failed: Callable[[], None] | None = None,
        next_steps: list[str] | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        """`run_engine` for the calls that change the build: one at a time, in the order
        asked, so a decision never overtakes the one before it. Each saves the build state,
        which for a big proposal takes longer than a frame: never on this thread."""
        step = (work, doing, done, failed, next_steps, cancel)
        if self._draining:
            self.guard(work, doing)
            return
        self._steps.append(step)
        if not self._stepping:
            self._next_step()

    def _next_step(self) -> None:
        if not self._steps:
            self._stepping = False
            return
        self._stepping = True
        work, doing, done, failed, next_steps, cancel = self._steps.popleft()

        def succeeded(result: Any) -> None:
            try:
                if done is not None:
                    done(result)
            finally:
                self._next_step()

        def went_wrong() -> None:
            try:
                if failed is not None:
                    failed()
            finally:
                self._next_step()

        self.run_engine(
            work,
            doing=doing,
            done=succeeded,
            failed=went_wrong,
            next_steps=next_steps,
            cancel=cancel,
        )

    @property
    def idle(self) -> bool:
        """No change to the build is waiting or running."""
        return not self._stepping

    def _deliver(self, done: Callable[[Any], None], result: Any, doing: str) -> None:
        """Hand a result to the screen; a failure there is shown like the engine's."""
        self.guard(lambda: done(result), doing)

    def _from_thread(self, callback: Callable[..., Any], *args: Any) -> None:
        try:
            self.call_from_thread(callback, *args)
        except RuntimeError:  # the app has already closed: the state is saved anyway
            pass

    def _forget(self, finished: threading.Event, cancel: threading.Event | None) -> None:
        self._work_done.remove(finished)
        if cancel is not None and cancel in self._cancels:
            self._cancels.remove(cancel)

    def _failed(
        self,
        error: BaseException,
        doing: str,
        next_steps: list[str],
        failed: Callable[[], None] | None,
    ) -> None:
        if failed is not None:
            failed()
        self.show_error(error, doing, next_steps)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "skills":  # asked by the footer of the first screen: import nothing
            return not getattr(self.screen, "SHOWS_SKILLS", False)
        return True

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen):
        """Textual's, less its own keys panel: `?` (listed as Keys) is ours."""
        for command in super().get_system_commands(screen):
            if command.title != "Keys":
                yield command

    def search_themes(self) -> None:
        """The theme list, with the current one marked."""
        from textual.command import CommandPalette

        from .commands import Themes

        self.push_screen(CommandPalette(providers=[Themes], placeholder="Search for themes…"))

    def action_skills(self) -> None:
        from .screens.skills import SkillsScreen

        if not isinstance(self.screen, SkillsScreen):
            self.push_screen(SkillsScreen())

    def get_default_screen(self):
        """Welcome is the bottom of the stack: every other screen returns to it."""
        from .screens.welcome import WelcomeScreen

        return WelcomeScreen()

    def show_error(self, error: BaseException, doing: str, next_steps: list[str] = ()) -> None:
        from .modals import ErrorModal

        if isinstance(error, BackendAgentError):
            steps = ([error.hint] if error.hint else []) + list(next_steps)
            self.push_screen(ErrorModal(f"Could not {doing}", error.message, steps))
        elif isinstance(error, OSError):
            self.push_screen(ErrorModal(f"Could not {doing}", str(error), list(next_steps)))
        else:
            message = f"{type(error).__name__}: {error}"
            self.push_screen(ErrorModal(f"Could not {doing}", message, BUG_STEPS))

    def guard(self, action: Callable[[], Any], doing: str, next_steps: list[str] = ()) -> Any:
        """Call the engine on the UI thread; a failure becomes a dialog and returns None."""
        try:
            return action()
        except Exception as error:  # noqa: BLE001
            self.show_error(error, doing, list(next_steps))
            return None

    def _handle_exception(self, error: Exception) -> None:
        """A bug in the wizard: say so in one paragraph (the traceback goes to a file) instead
        of printing a traceback; tests, running headless, still see the exception."""
        if self.is_headless:
            super()._handle_exception(error)
            return
        import tempfile
        import traceback

        log = Path(tempfile.gettempdir()) / "backend-agent-crash.txt"
        try:
            log.write_text("".join(traceback.format_exception(error)), encoding="utf-8")
            where = f"the details are in {log}"
        except OSError:
            where = "the details could not be written"
        from rich.text import Text

        self.exit(
            return_code=1,
            message=Text(
                f"backend-agent: a bug stopped the wizard ({type(error).__name__}: {error}); "
                f"{where}. The build state is saved after every action: continue with "
                "`backend-agent resume`."
            ),
        )


def run_wizard(
    repo: str, *, build: str | None = None, demo: bool = False, sentence: str | None = None
) -> int:
    """Open the wizard on `repo`; returns the exit code for the CLI."""
    folder = Path(repo).expanduser().resolve()
    if not any((parent / ".git").exists() for parent in (folder, *folder.parents)):
        from ..workspace.git import Repository

        Repository.open(repo)  # not a repository: git's own verdict, as a CLI error
    app = WizardApp(repo, build=build, demo=demo, sentence=sentence)
    app.run()
    note = resume_note(app)
    if note:
        import sys

        print(note, file=sys.stderr)
    return app.return_code or 0


def resume_note(app: WizardApp) -> str | None:
    """What to type to come back to the last build the wizard had open."""
    if app.left is None:
        return None
    import shlex

    name, where = app.left
    command = f"backend-agent resume {name}"
    if Path.cwd().resolve() != where:
        command += f" --repo {shlex.quote(str(where))}"
    return f"backend-agent: build {name} is saved; continue with: {command}"
