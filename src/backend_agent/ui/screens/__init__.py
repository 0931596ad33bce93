"""The wizard's screens: Welcome → Brief → Phase (one class for all six) → Summary, and
Skills and the keys (`?`) over any of them."""

from __future__ import annotations


def binding_ids() -> set[str]:
    """Every binding id a user can remap in `[keymap]`."""
    from ..app import WizardApp
    from ..modals import CommitModal, ConfirmModal, ErrorModal, PromptModal
    from ..widgets.diff_view import DiffView
    from .brief import BriefScreen
    from .help import HelpScreen
    from .phase import PhaseScreen
    from .skills import SkillsScreen
    from .summary import SummaryScreen
    from .welcome import WelcomeScreen

    owners = (
        WizardApp,
        WelcomeScreen,
        BriefScreen,
        PhaseScreen,
        SummaryScreen,
        SkillsScreen,
        HelpScreen,
        DiffView,
        ErrorModal,
        ConfirmModal,
        PromptModal,
        CommitModal,
    )
    return {b.id for owner in owners for b in owner.BINDINGS if getattr(b, "id", None)}
