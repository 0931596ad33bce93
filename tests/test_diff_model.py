"""The diff model the wizard draws: the engine's own hunks, honest counts and ranges, and
big files matched fast by the one matcher both use."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from backend_agent.core import hunks as engine_hunks
from backend_agent.core.diff import diff_texts, intraline
from backend_agent.core.hunks import EXACT_LINES, apply, split

line = st.sampled_from(["a", "b", "c", "", "    return x", "}", "def f():", "# note"])
text = st.lists(line, max_size=40).map(lambda lines: "".join(f"{ln}\n" for ln in lines))


@settings(max_examples=200, deadline=None)
@given(text, text)
def test_hunks_are_the_engines_hunks(old, new):
    shown = [(h.index, h.header, h.id, h.span) for h in diff_texts(old, new).hunks()]
    engine = [(h.index, h.header, h.id, h.span) for h in engine_hunks.split(old, new)]
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
    hunks = diff.hunks()
    assert sum(h.added for h in hunks) == diff.added
    assert sum(h.removed for h in hunks) == diff.removed


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
    # The span is what is drawn: the changes with three unchanged lines either side.
    assert (hunks[0].span[0][1], hunks[0].span[-1][2]) == (7, 14)


def _big(lines: int, changes: int, repeats: bool) -> tuple[str, str]:
    """A big file of mostly unique lines (or, with `repeats`, few distinct ones) and a copy
    with scattered replacements, insertions and deletions."""
    import random

    rng = random.Random(lines + changes)
    old = [f"x = {i % 7}\n" if repeats else f"value_{i} = compute({i})\n" for i in range(lines)]
    new = list(old)
    for i in sorted(rng.sample(range(lines), changes), reverse=True):
        kind = i % 3
        if kind == 0:
            new[i] = new[i].replace("= ", "= fast ")
        elif kind == 1:
            new.insert(i, "# added for review\n")
        else:
            del new[i]
    return "".join(old), "".join(new)


def test_big_files_are_matched_quickly_and_exactly_enough():
    old, new = _big(EXACT_LINES * 10, 200, repeats=False)
    hunks = split(old, new)
    assert diff_texts(old, new).hunks() == hunks  # the widget draws the engine's hunks
    assert apply(old, new, hunks, {h.index for h in hunks}) == new
    assert apply(old, new, hunks, set()) == old
    # Anchored on the unique lines, every change is found where it was made: no more
    # lines are marked than the 200 edits touched (a replacement is one out, one in).
    changed = sum(h.added + h.removed for h in hunks)
    assert changed <= 2 * 200
    assert [h.id for h in split(old, new)] == [h.id for h in hunks]  # stable ids


def test_big_files_of_repeated_lines_still_rebuild_both_sides():
    old, new = _big(EXACT_LINES * 5, 50, repeats=True)
    diff = diff_texts(old, new)
    rebuilt = []
    for tag, i1, i2, j1, j2 in diff.opcodes:
        rebuilt += diff.old[i1:i2] if tag == "equal" else diff.new[j1:j2]
    assert rebuilt == list(diff.new)
    hunks = diff.hunks()
    assert apply(old, new, hunks, {h.index for h in hunks}) == new
    assert apply(old, new, hunks, set()) == old


def test_intraline_ranges_mark_only_what_changed():
    removed, added = intraline("total = price * count", "total = price * quantity")
    assert [("total = price * count")[a:b] for a, b in removed] == ["count"]
    assert [("total = price * quantity")[a:b] for a, b in added] == ["quantity"]
    assert intraline("return a + b", "raise Boom()") is None  # too little in common
    assert intraline("same", "same") is None
