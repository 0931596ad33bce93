"""The command palette: every key of the screen in front that can run now is also an
entry, found by name and described in words (never by a binding id); the theme list
marks the theme in use."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.theme import ThemeProvider

from .keys import screen_keys

SYSTEM_ACTIONS = {"quit", "change_theme", "command_palette", "help_quit"}
"""Listed by Textual's own system commands already (Quit, Theme)."""


class BindingCommands(Provider):
    def _commands(self) -> list[tuple[str, str, object]]:
        seen: set[str] = set()
        found = []
        for key in screen_keys(self.screen):
            binding = key.binding
            if not key.available or not binding.description or key.action in SYSTEM_ACTIONS:
                continue
            if binding.description in seen:
                continue
            seen.add(binding.description)
            run = partial(self.app.run_action, binding.action, key.node)
            help_text = f"{binding.tooltip or binding.description} ({' '.join(key.keys)})"
            found.append((binding.description, help_text, run))
        return sorted(found, key=lambda command: command[0])

    async def discover(self) -> Hits:
        for title, help_text, run in self._commands():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)


class Themes(ThemeProvider):
    """Textual's theme list, saying which theme is in use."""

    def _help(self, name: str) -> str | None:
        return "the theme in use" if name == self.app.theme else None

    async def discover(self) -> Hits:
        for name, callback in self.commands:
            yield DiscoveryHit(name, callback, help=self._help(name))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback in self.commands:
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(name), callback, help=self._help(name))
