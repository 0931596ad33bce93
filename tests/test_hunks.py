"""The hunk model: split, apply any subset, and re-split agree with each other."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from backend_agent.core.hunks import apply, split

LINE = st.sampled_from(["a\n", "b\n", "c\n", "def f():\n", "    return 1\n", "\n", "x = 2\n"])
TEXT = st.lists(LINE, max_size=40).map("".join) | st.lists(LINE, max_size=40).map(
    lambda ls: "".join(ls).rstrip("\n")  # files without a final newline too
)


def changed(base: str, new: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """What a diff removes and adds, region by region, in order."""
    a, b = base.splitlines(keepends=True), new.splitlines(keepends=True)
    return [
        (tuple(a[i1:i2]), tuple(b[j1:j2]))
        for hunk in split(base, new)
        for _, i1, i2, j1, j2 in hunk.regions
    ]


@given(TEXT, TEXT)
def test_all_hunks_give_the_proposal_and_none_give_the_base(base, proposed):
    hunks = split(base, proposed)
    assert apply(base, proposed, hunks, {h.index for h in hunks}) == proposed
    assert apply(base, proposed, hunks, set()) == base
    assert (hunks == []) == (base == proposed)


@settings(max_examples=300)
@given(TEXT, TEXT, st.data())
def test_any_subset_applies_exactly_those_hunks(base, proposed, data):
    hunks = split(base, proposed)
    chosen = data.draw(st.sets(st.sampled_from([h.index for h in hunks]))) if hunks else set()
    result = apply(base, proposed, hunks, chosen)
    expected = [
        (
            tuple(base.splitlines(keepends=True)[i1:i2]),
            tuple(proposed.splitlines(keepends=True)[j1:j2]),
        )
        for h in hunks
        if h.index in chosen
        for _, i1, i2, j1, j2 in h.regions
    ]
    # The result's own diff against the base removes and adds exactly the chosen text.
    removed = [line for old, _ in changed(base, result) for line in old]
    added = [line for _, new in changed(base, result) for line in new]
    assert removed == [line for old, _ in expected for line in old]
    assert added == [line for _, new in expected for line in new]
    # And the rest of the proposal is still one step away: applying the remaining hunks
    # of (result -> proposal) gives the proposal.
    rest = split(result, proposed)
    assert apply(result, proposed, rest, {h.index for h in rest}) == proposed


def test_headers_ids_and_grouping():
    base = "".join(f"line {n}\n" for n in range(1, 31))
    new = base.replace("line 2\n", "line two\n").replace("line 25\n", "")
    hunks = split(base, new)
    assert [h.header for h in hunks] == ["@@ -1,5 +1,5 @@", "@@ -22,7 +22,6 @@"]
    assert len({h.id for h in hunks}) == 2
    # Ids survive a change elsewhere in the file.
    moved = split(base, new.replace("line 25", "line 25"))
    assert [h.id for h in moved] == [h.id for h in hunks]
    assert apply(base, new, hunks, {1}) == base.replace("line 25\n", "")
