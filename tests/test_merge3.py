"""The three-way merge of an evolution: properties over generated files, and the cases a
person meets (both sides edit one line, both append, no base)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from backend_agent.core.hunks import apply, split
from backend_agent.core.merge3 import conflict_hunks, merge


def _text(items: list[str]) -> str:
    return "".join(f"{line}\n" for line in items)


unique_lines = st.lists(
    st.integers(0, 10_000).map(lambda n: f"line {n}"), min_size=4, max_size=40, unique=True
)
any_lines = st.lists(st.sampled_from(["a", "b", "c", "", "x = 1", "return"]), max_size=25)


@st.composite
def edited(draw, base: list[str], low: int, high: int) -> list[str]:
    """`base` with one replace/insert/delete somewhere in [low, high)."""
    start = draw(st.integers(low, max(low, high - 1)))
    end = draw(st.integers(start, min(high, start + 3)))
    new = draw(st.lists(st.integers(20_000, 30_000).map(lambda n: f"new {n}"), max_size=3))
    if start == end and not new:
        new = ["inserted"]
    return base[:start] + new + base[end:]


@given(any_lines, any_lines)
def test_one_side_unchanged_takes_the_other(base, other):
    b, o = _text(base), _text(other)
    assert merge(b, b, o).text == o and merge(b, b, o).clean
    assert merge(b, o, b).text == o and merge(b, o, b).clean
    assert merge(b, o, o).text == o and merge(b, o, o).clean


@settings(max_examples=300)
@given(st.data(), unique_lines)
def test_edits_apart_merge_cleanly_into_both(data, base):
    middle = len(base) // 2
    ours = data.draw(edited(base, 0, middle - 1))
    theirs_tail = data.draw(edited(base[middle:], 1, len(base) - middle))
    theirs = base[:middle] + theirs_tail
    merged = merge(_text(base), _text(ours), _text(theirs))
    expected = ours[: len(ours) - (len(base) - middle)] + theirs_tail
    assert merged.clean
    assert merged.text == _text(expected)


@settings(max_examples=300)
@given(any_lines, any_lines, any_lines)
def test_the_persons_lines_survive_every_hunk_that_is_not_a_conflict(base, ours, theirs):
    b, o, t = _text(base), _text(ours), _text(theirs)
    merged = merge(b, o, t)
    hunks = split(o, merged.text)
    conflicts = conflict_hunks(merged, hunks)
    kept = apply(o, merged.text, hunks, {h.index for h in hunks} - conflicts)
    person = [ours[i] for i in sorted(merged.person)]
    assert _is_subsequence(person, kept.splitlines())
    # Taking every hunk gives the merge, none gives the branch untouched.
    assert apply(o, merged.text, hunks, {h.index for h in hunks}) == merged.text
    assert apply(o, merged.text, hunks, set()) == o


@given(any_lines, any_lines)
def test_without_a_base_every_difference_is_a_conflict(ours, theirs):
    o, t = _text(ours), _text(theirs)
    merged = merge(None, o, t)
    hunks = split(o, merged.text)
    assert merged.two_way and merged.text == t
    assert conflict_hunks(merged, hunks) == {h.index for h in hunks}


def _is_subsequence(needle: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(any(x == y for y in it) for x in needle)


def test_both_change_one_line_differently_is_a_conflict_holding_theirs():
    base = "def f():\n    return 1\n\n\ndef g():\n    return 2\n"
    ours = "def f():\n    return 10\n\n\ndef g():\n    return 2\n"
    theirs = "def f():\n    return 100\n\n\ndef g():\n    return 3\n"
    merged = merge(base, ours, theirs)
    assert merged.text == "def f():\n    return 100\n\n\ndef g():\n    return 3\n"
    (conflict,) = merged.conflicts
    assert (conflict.ours, conflict.theirs, conflict.base) == (
        "    return 10\n",
        "    return 100\n",
        "    return 1\n",
    )
    hunks = split(ours, merged.text)
    assert conflict_hunks(merged, hunks) == {0}
    assert len(hunks) == 2 or hunks[0].regions[-1][1] > 1


def test_both_append_at_the_end_conflict():
    base = "a\nb\n"
    merged = merge(base, base + "mine\n", base + "theirs\n")
    assert [c.ours for c in merged.conflicts] == ["mine\n"]


def test_the_same_change_on_both_sides_is_no_conflict():
    merged = merge("a\nb\nc\n", "a\nB\nc\n", "a\nB\nc\n")
    assert merged.clean and merged.text == "a\nB\nc\n"
