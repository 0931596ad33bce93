"""The diff widget: what each row says, markers besides colour, hunks, folds, laziness."""

from __future__ import annotations

from textual.app import App, ComposeResult

from backend_agent.ui.widgets.diff_view import DiffView

OLD = "".join(f"line {i}\n" for i in range(1, 41))
NEW = OLD.replace("line 10\n", "line ten\n").replace("line 30\n", "")


class DiffApp(App):
    def compose(self) -> ComposeResult:
        yield DiffView()


def rows(view: DiffView) -> list[str]:
    return [view.render_line(y).text.rstrip() for y in range(view.size.height)]


async def shown(path, old, new, *, size=(100, 40), split=False):
    app = DiffApp()
    context = app.run_test(size=size)
    pilot = await context.__aenter__()
    view = app.query_one(DiffView)
    view.split = split
    view.show(path, old, new)
    await pilot.pause()
    return app, context, pilot, view


async def test_unified_rows_have_numbers_markers_hunk_headers_and_folds():
    app, context, pilot, view = await shown("notes.txt", OLD, NEW)
    try:
        text = rows(view)
        assert text[0] == "  ⋯ 6 unchanged lines (z shows the whole file)"
        assert text[1].startswith("▶ @@ -7,7 +7,7 @@  +1 −1  (hunk 1 of 2)")
        assert " 10     - line 10" in text
        assert "     10 + line ten" in text
        assert "  ⋯ 13 unchanged lines (z shows the whole file)" in text
        await pilot.press("z")
        await pilot.pause()
        # The whole file, the hunk headers kept and the hunk under the cursor kept in view.
        assert view._hunk_rows[0] == 6  # six unchanged lines above the first hunk now
        assert view.scroll_y == min(6, view.max_scroll_y) > 0
        view.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        assert not any("unchanged" in r for r in rows(view))
        assert rows(view)[:2] == ["  1   1   line 1", "  2   2   line 2"]
        assert sum(r.startswith(("▶ @@", "  @@")) for r in rows(view)) == 2
    finally:
        await context.__aexit__(None, None, None)


async def test_split_rows_put_old_left_and_new_right():
    app, context, pilot, view = await shown("notes.txt", OLD, NEW, split=True)
    try:
        pair = next(r for r in rows(view) if "line ten" in r)
        left, right = pair.split("│")
        assert left.strip() == "10 - line 10"
        assert right.strip() == "10 + line ten"
        removed_only = next(r for r in rows(view) if "line 30" in r)
        assert removed_only.split("│")[1].strip() == ""
    finally:
        await context.__aexit__(None, None, None)


async def test_changed_words_are_marked_within_a_line():
    app, context, pilot, view = await shown(
        "calc.py", "total = price * count\n", "total = price * quantity\n"
    )
    try:
        await pilot.press("v")  # split or not, the words are marked the same way
        line = next(y for y in range(view.size.height) if "quantity" in view.render_line(y).text)
        segments = list(view.render_line(line))
        word = next(s for s in segments if s.text == "quantity")
        around = next(s for s in segments if s.text.strip() == "total")
        assert word.style.bgcolor != around.style.bgcolor
    finally:
        await context.__aexit__(None, None, None)


async def test_hunk_navigation_scrolls_to_each_hunk():
    old = "".join(f"row {i}\n" for i in range(400))
    new = old.replace("row 5\n", "row five\n").replace("row 300\n", "row three hundred\n")
    app, context, pilot, view = await shown("rows.txt", old, new, size=(80, 12))
    try:
        view.focus()
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert view.current_hunk == 1
        assert any(r.startswith("▶ @@ -298,7 +298,7 @@  +1 −1  (hunk 2 of 2)") for r in rows(view))
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert view.current_hunk == 0 and view.scroll_y <= 1
    finally:
        await context.__aexit__(None, None, None)


async def test_control_characters_and_tabs_are_drawn_not_sent():
    app, context, pilot, view = await shown("evil.sh", None, "echo '\x1b[2J\x07'\n\tindented\n")
    try:
        text = rows(view)
        assert any("echo '␛[2J␇'" in r for r in text)
        assert any(r.endswith("+     indented") for r in text)
        assert all("\x1b" not in r and "\t" not in r for r in text)
    finally:
        await context.__aexit__(None, None, None)


async def test_syntax_colours_follow_the_file_type():
    app, context, pilot, view = await shown("app.py", None, "def handler():\n    return 'ok'\n")
    try:
        keyword = next(s for s in view.render_line(1) if s.text == "def")
        string = next(s for s in view.render_line(2) if "ok" in s.text)
        assert keyword.style.color != string.style.color
        view.show("notes.txt", None, "def handler():\n")
        await pilot.pause()
        plain = [s for s in view.render_line(1) if s.text.startswith("def")]
        assert plain[0].style.color != keyword.style.color  # a .txt file is not Python
    finally:
        await context.__aexit__(None, None, None)


async def test_typescript_is_coloured_with_its_own_lexer():
    source = (
        'import type { FastifyInstance } from "fastify";\n'
        "export interface Principal {\n"
        "  id: string;\n"
        "}\n"
        "const limit: number = 20;\n"
    )
    app, context, pilot, view = await shown("src/auth.ts", None, source)
    try:
        interface = next(s for s in view.render_line(2) if s.text == "interface")
        string = next(s for s in view.render_line(1) if "fastify" in s.text and s.text != "import")
        annotation = next(s for s in view.render_line(5) if s.text == "number")
        assert interface.style.color is not None
        assert interface.style.color != string.style.color
        assert annotation.style.color is not None  # a type, not plain text
        view.show("src/auth.txt", None, source)
        await pilot.pause()
        plain = next(s for s in view.render_line(2) if s.text.startswith("export"))
        assert plain.style.color != interface.style.color
    finally:
        await context.__aexit__(None, None, None)


async def test_a_huge_file_is_lexed_only_as_far_as_it_is_seen():
    big = "".join(f"value_{i} = compute({i})  # step {i}\n" for i in range(20_000))
    app, context, pilot, view = await shown("big.py", None, big, size=(100, 30))
    try:
        assert len(view._new._lines) < 2_000
        assert view.virtual_size.height == 20_001  # the hunk header and every line
        view.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("value_19999" in r for r in rows(view))
        assert view._new.complete
    finally:
        await context.__aexit__(None, None, None)


async def test_the_editor_opens_typescript_and_javascript_without_the_crashing_grammar():
    """Textual's TextArea segfaults with the JavaScript grammar here: such files open plain
    (the diff still colours them, with Pygments)."""
    from backend_agent.ui.widgets.file_editor import FileEditor

    class EditorApp(App):
        def compose(self) -> ComposeResult:
            yield FileEditor(id="editor")

    app = EditorApp()
    async with app.run_test(size=(80, 20)) as pilot:
        editor = app.query_one(FileEditor)
        for path in ("src/app.ts", "web/main.js"):
            editor.open(path, "export const limit = 20;\n")
            await pilot.pause()
            assert editor.language is None
            assert editor.text.startswith("export const")
        editor.open("app/main.py", "x = 1\n")
        assert editor.language == "python"
