"""Hunks of a proposed change: split a file's diff, and apply any subset of it.

A hunk groups nearby changed regions the way `diff -U3` does. Hunks never overlap in the
base file, so applying a subset is well defined: every region of a chosen hunk takes the
proposed lines, every other region keeps the base lines.

This is the one line matcher of the project: the engine decides hunks with it and the
wizard draws them from it, so what a person approves is what they saw. Files up to
`EXACT_LINES` are matched exactly (difflib without its junk heuristic); bigger ones are
anchored on the lines that occur once on each side, as patience diff does, which takes
milliseconds where exact matching of a 20,000-line file takes seconds.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher

CONTEXT = 3
EXACT_LINES = 2000
SMALL_GAP = 250_000
"""A gap between anchors with no line of its own (lines x lines) matched exactly up to
this size; bigger ones with difflib's junk heuristic."""

Opcode = tuple[str, int, int, int, int]
"""As difflib gives them: tag, base start, base end, proposed start, proposed end."""
Apart = Callable[[Opcode], bool]


@dataclass(frozen=True)
class Hunk:
    index: int
    regions: tuple[Opcode, ...]
    """The changed regions (replace/delete/insert opcodes) in base and proposed lines."""
    header: str
    id: str
    """Stable across re-splits of the same change: base position plus removed and added text."""
    span: tuple[Opcode, ...] = field(default=(), compare=False)
    """The regions with the unchanged lines of context around and between them."""
    conflict: bool = field(default=False, compare=False)
    """Kept apart from other changes (see `group`): an evolution's conflict."""

    @property
    def base_start(self) -> int:
        return self.regions[0][1]

    @property
    def base_end(self) -> int:
        return self.regions[-1][2]

    @property
    def new_start(self) -> int:
        return self.regions[0][3]

    @property
    def new_end(self) -> int:
        return self.regions[-1][4]

    @property
    def added(self) -> int:
        return sum(j2 - j1 for _, _, _, j1, j2 in self.regions)

    @property
    def removed(self) -> int:
        return sum(i2 - i1 for _, i1, i2, _, _ in self.regions)


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def split(
    base: str, proposed: str, context: int = CONTEXT, apart: Apart | None = None
) -> list[Hunk]:
    """The hunks turning `base` into `proposed`, in file order."""
    a, b = lines(base), lines(proposed)
    return group(a, b, match(a, b), context, apart)


def match(a: list[str], b: list[str]) -> list[Opcode]:
    """Opcodes turning lines `a` into lines `b`, covering both completely."""
    if max(len(a), len(b)) <= EXACT_LINES:
        return SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return _Known(a, b, _anchored_blocks(a, b)).get_opcodes()


def group(
    a: list[str], b: list[str], opcodes: list[Opcode], context: int, apart: Apart | None = None
) -> list[Hunk]:
    """The changes of `opcodes` grouped with `context` unchanged lines around each. Regions
    `apart` marks (an evolution's conflicts) never share a hunk with others, so picking a
    side of a conflict decides nothing else."""
    hunks: list[Hunk] = []
    grouped = SequenceMatcher.get_grouped_opcodes(_Known(a, b, opcodes=opcodes), context)  # type: ignore[arg-type]
    for whole in grouped:
        for span, flagged in _runs(list(whole), context, apart):
            regions = tuple(op for op in span if op[0] != "equal")
            first, last = span[0], span[-1]
            i1, i2, j1, j2 = first[1], last[2], first[3], last[4]
            header = f"@@ -{_range(i1, i2)} +{_range(j1, j2)} @@"
            digest = hashlib.sha1()
            for _, r1, r2, s1, s2 in regions:
                digest.update(f"{r1}:{r2 - r1}:".encode())
                digest.update("".join(a[r1:r2]).encode("utf-8", "surrogatepass") + b"\0")
                digest.update("".join(b[s1:s2]).encode("utf-8", "surrogatepass") + b"\1")
            hunks.append(
                Hunk(len(hunks), regions, header, digest.hexdigest()[:16], tuple(span), flagged)
            )
    return hunks


def _runs(span: list[Opcode], context: int, apart: Apart | None) -> list[tuple[list[Opcode], bool]]:
    """A group cut where `apart` changes between neighbouring regions; each piece keeps up
    to `context` unchanged lines on either side."""
    changed = [k for k, op in enumerate(span) if op[0] != "equal"]
    flags = {k: bool(apart and apart(span[k])) for k in changed}
    if len(set(flags.values())) <= 1:
        return [(span, bool(flags) and next(iter(flags.values())))]
    pieces: list[list[int]] = []
    for k in changed:
        if pieces and flags[pieces[-1][-1]] == flags[k]:
            pieces[-1].append(k)
        else:
            pieces.append([k])
    out = []
    for piece in pieces:
        start, end = piece[0], piece[-1]
        body = span[start : end + 1]
        if start > 0:
            tag, i1, i2, j1, j2 = span[start - 1]
            keep = min(context, i2 - i1)
            body.insert(0, (tag, i2 - keep, i2, j2 - keep, j2))
        if end + 1 < len(span):
            tag, i1, i2, j1, j2 = span[end + 1]
            keep = min(context, i2 - i1)
            body.append((tag, i1, i1 + keep, j1, j1 + keep))
        out.append((body, flags[start]))
    return out


def _range(start: int, end: int) -> str:
    length = end - start
    first = start + 1 if length else start
    return f"{first},{length}" if length != 1 else f"{first}"


def apply(
    base: str,
    proposed: str,
    hunks: list[Hunk],
    chosen: Collection[int],
    replaced: Mapping[int, str] | None = None,
) -> str:
    """`base` with the regions of the hunks whose index is in `chosen` taken from
    `proposed`; all of them gives `proposed`, none gives `base`. A hunk in `replaced` has
    its changed lines (first region to last) replaced by the text given."""
    a, b = lines(base), lines(proposed)
    out: list[str] = []
    position = 0
    for hunk in hunks:
        if replaced and hunk.index in replaced:
            out.extend(a[position : hunk.base_start])
            out.extend(lines(replaced[hunk.index]))
            position = hunk.base_end
            continue
        for _, i1, i2, j1, j2 in hunk.regions:
            out.extend(a[position:i1])
            out.extend(b[j1:j2] if hunk.index in chosen else a[i1:i2])
            position = i2
    out.extend(a[position:])
    return "".join(out)


# ------------------------------------------------------------------ big files
class _Known(SequenceMatcher):
    """Matching blocks (or opcodes) worked out elsewhere, run through difflib's own
    opcode and grouping code so big and small files are laid out alike."""

    def __init__(
        self,
        a: list[str],
        b: list[str],
        blocks: list[tuple[int, int, int]] | None = None,
        *,
        opcodes: list[Opcode] | None = None,
    ) -> None:
        self.a, self.b = a, b
        self.matching_blocks = blocks
        self.opcodes = opcodes


def _anchored_blocks(a: list[str], b: list[str]) -> list[tuple[int, int, int]]:
    """Matching blocks (i, j, n) of `a` and `b` ending with difflib's (len a, len b, 0)."""
    found: list[tuple[int, int, int]] = []
    todo = [(0, len(a), 0, len(b))]
    while todo:
        alo, ahi, blo, bhi = todo.pop()
        start = alo
        while alo < ahi and blo < bhi and a[alo] == b[blo]:
            alo, blo = alo + 1, blo + 1
        if alo > start:
            found.append((start, blo - (alo - start), alo - start))
        end = ahi
        while ahi > alo and bhi > blo and a[ahi - 1] == b[bhi - 1]:
            ahi, bhi = ahi - 1, bhi - 1
        if ahi < end:
            found.append((ahi, bhi, end - ahi))
        if alo == ahi or blo == bhi:
            continue
        anchors = _unique_common(a, b, alo, ahi, blo, bhi)
        if anchors:
            i0, j0 = alo, blo
            for i, j in anchors:
                found.append((i, j, 1))
                todo.append((i0, i, j0, j))
                i0, j0 = i + 1, j + 1
            todo.append((i0, ahi, j0, bhi))
            continue
        exact = (ahi - alo) * (bhi - blo) <= SMALL_GAP
        matcher = SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=not exact)
        found += [(alo + i, blo + j, n) for i, j, n in matcher.get_matching_blocks() if n]
    found.sort()
    merged: list[tuple[int, int, int]] = []
    for i, j, n in found:
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            merged[-1] = (merged[-1][0], merged[-1][1], merged[-1][2] + n)
        else:
            merged.append((i, j, n))
    return merged + [(len(a), len(b), 0)]


def _unique_common(
    a: list[str], b: list[str], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Lines that occur once in each range, as (i, j) pairs forming the longest run that
    is in order on both sides (patience diff's anchors)."""
    count_a = Counter(a[alo:ahi])
    count_b = Counter(b[blo:bhi])
    where_b = {b[j]: j for j in range(blo, bhi) if count_b[b[j]] == 1}
    pairs = [(i, where_b[a[i]]) for i in range(alo, ahi) if count_a[a[i]] == 1 and a[i] in where_b]
    # Longest increasing subsequence of j over pairs in i order (patience sorting).
    tails: list[int] = []
    tail_at: list[int] = []
    previous = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        slot = bisect_left(tails, j)
        if slot == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[slot], tail_at[slot] = j, k
        previous[k] = tail_at[slot - 1] if slot else -1
    chain = []
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        chain.append(pairs[k])
        k = previous[k]
    return chain[::-1]
