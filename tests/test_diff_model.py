"""The diff model the wizard draws: same hunks as the engine's, honest counts and ranges."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from backend_agent.core import hunks as engine_hunks
from backend_agent.core.diff import EXACT_LINES, WHOLE_FILE, diff_texts, intraline

line = st.sampled_from(["a", "b", "c", "", "    return x", "}", "def f():", "# note"])
text = st.lists(line, max_size=40).map(lambda lines: "".join(f"{ln}\n" for ln in lines))


@settings(max_examples=200, deadline=None)
@given(text, text)
def test_hunks_are_the_engines_hunks(old, new):
    shown = [(h.index, h.header) for h in diff_texts(old, new).hunks()]
    engine = [(h.index, h.header) for h in engine_hunks.split(old, new)]
    assert shown == engine


@settings(max_examples=200, deadline=None)
@given(text, text)
def test_opcodes_rebuild_the_new_text_and_count_changes(old, new):
    diff = diff_texts(old, new)
    rebuilt = []
    for tag, i1, i2, j1, j2 in diff.opcodes:
        rebuilt += diff.old[i1:i2] if tag == "equal" else diff.new[j1:j2]
    assert rebuilt == list(diff.new)
    assert diff.added - diff.removed == len(diff.new) - len(diff.old)
    whole = diff.hunks(WHOLE_FILE)
    assert len(whole) == (1 if diff.opcodes else 0)
    if whole:
        assert (whole[0].old_end, whole[0].new_end) == (len(diff.old), len(diff.new))


def test_new_and_deleted_files():
    created = diff_texts(None, "one\ntwo\n")
    assert created.is_new and created.added == 2 and created.removed == 0
    assert [h.header for h in created.hunks()] == ["@@ -0,0 +1,2 @@"]
    deleted = diff_texts("one\n", None)
    assert deleted.is_deleted and [h.header for h in deleted.hunks()] == ["@@ -1 +0,0 @@"]
    assert diff_texts("same\n", "same\n").hunks() == []


def test_context_around_changes_and_folds():
    old = "".join(f"line {i}\n" for i in range(100))
    new = old.replace("line 10\n", "line ten\n").replace("line 80\n", "")
    hunks = diff_texts(old, new).hunks()
    assert [h.header for h in hunks] == ["@@ -8,7 +8,7 @@", "@@ -78,7 +78,6 @@"]
    assert (hunks[0].added, hunks[0].removed, hunks[1].added, hunks[1].removed) == (1, 1, 0, 1)


def test_big_files_are_matched_quickly_and_still_correctly():
    old = "".join(f"x = {i % 7}\n" for i in range(EXACT_LINES * 5))
    new = old.replace("x = 3\n", "x = three\n", 5)
    diff = diff_texts(old, new)
    rebuilt = []
    for tag, i1, i2, j1, j2 in diff.opcodes:
        rebuilt += diff.old[i1:i2] if tag == "equal" else diff.new[j1:j2]
    assert rebuilt == list(diff.new)


def test_intraline_ranges_mark_only_what_changed():
    removed, added = intraline("total = price * count", "total = price * quantity")
    assert [("total = price * count")[a:b] for a, b in removed] == ["count"]
    assert [("total = price * quantity")[a:b] for a, b in added] == ["quantity"]
    assert intraline("return a + b", "raise Boom()") is None  # too little in common
    assert intraline("same", "same") is None
