"""Where the layout changes with the terminal's size: the classes Textual sets on a screen
(styles/phase.tcss and dialogs.tcss use them). Only the screens that change take them, so
the first screen does no restyling for them."""

WIDE_AT = 110
"""Under this many columns the file list narrows to file names."""
HORIZONTAL = [(0, "-narrow"), (WIDE_AT, "-wide")]
VERTICAL = [(0, "-short"), (32, "-tall")]
"""Under 32 rows panels and dialogs take less height."""
