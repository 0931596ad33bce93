"""Phase 6, documentation: the service README, `.env.example`, docs/operations.md and the
runbooks — written from the plan, the targets and the settings actually on the branch."""

from __future__ import annotations

from datetime import date

from ...core.brief import Brief
from ...core.proposal import FileChange, Proposal
from ..base import BranchReader
from . import facts, phase5
from .adr import Adr, Option, adr_files
from .branch_edit import derive
from .schema import Plan
from .service import docs, hardening
from .service.api import Api, build_api
from .service.runbooks import runbooks
from .service.settings_doc import settings_of


def final_settings(api: Api) -> str:
    """app/settings.py as phases 3-5 generate it (used when the branch has none)."""
    return derive(
        None, phase5.originals(api)["app/settings.py"], hardening.settings_edits(api.plan)
    ).content


def adr(api: Api) -> Adr:
    brief = api.plan.brief
    availability, budget, given = docs.error_budget(api)
    p99 = brief.targets.p99_latency_ms
    return Adr(
        slug="alert-on-error-budget-burn",
        title="Alert on error-budget burn rate and the p99 target, not on single errors",
        context=f"{api.name} "
        + (
            f"targets {availability} availability"
            if given
            else f"has no availability target; {availability} is assumed"
        )
        + (f" and a p99 of {p99} ms" if p99 else "")
        + f". That leaves {budget:.3%} of requests to fail in a month. Operators must be woken "
        "for what threatens the target, and only for that.",
        drivers=[
            "pages only for user-visible, target-threatening problems",
            "fast detection of outages",
            "no alert fatigue",
        ],
        options=[
            Option(
                "Multi-window burn-rate alerts on the 5xx ratio, plus p99 latency and readiness",
                ["a page means the budget is really at risk", "thresholds follow from the target"],
                ["needs a day of traffic to tune"],
            ),
            Option("Alert on any 5xx", ["simple"], ["pages for single errors nobody could act on"]),
            Option(
                "Static CPU and memory thresholds", ["easy to set"], ["say nothing about users"]
            ),
        ],
        chosen="Multi-window burn-rate alerts on the 5xx ratio, plus p99 latency and readiness",
        because=f"a 14.4× burn over 1 h ({budget * 14.4:.4f} error ratio) spends 2% of the "
        "monthly budget in an hour and deserves a page; a 6× burn over 6 h is a ticket.",
        good=["each alert links to a runbook in docs/runbooks/"],
        bad=["the rules live in the monitoring system, not here: keep docs/operations.md in sync"],
    )


def propose(
    brief: Brief, plan: Plan, existing: list[str], day: date, branch: BranchReader
) -> Proposal:
    api = build_api(plan)
    texts = branch.read_many([p for p in ("README.md", "app/settings.py") if p in existing])
    settings = settings_of(texts.get("app/settings.py") or final_settings(api))
    previous = texts.get("README.md")
    files = [
        FileChange(
            path="README.md",
            action="create",
            kind="doc",
            content=docs.readme(api, previous),
            why="run, configure, use, test and migrate the service",
        ),
        FileChange(
            path=".env.example",
            action="create",
            kind="config",
            content=docs.env_example(api),
            why="the settings a developer sets first",
        ),
        FileChange(
            path="docs/operations.md",
            action="create",
            kind="doc",
            content=docs.operations(api, settings),
            why="configuration reference, metrics, logs, alerts, limits",
        ),
    ]
    for path, content in runbooks(api).items():
        files.append(
            FileChange(
                path=path,
                action="create",
                kind="doc",
                content=content,
                why="runbook: "
                + path.removeprefix("docs/runbooks/").removesuffix(".md").replace("-", " "),
            )
        )
    files += adr_files([adr(api)], existing, day)
    notes = []
    if previous and "## From the earlier README" in files[0].content:
        notes.append(
            'README.md on the branch is replaced by the service\'s README; its old text is kept at the end under "From the earlier README".'
        )
    rate, burst = facts.client_rate(brief)
    summary = "\n".join(
        [
            f"# Documentation for {api.name}",
            "",
            f"* `README.md`: run, configure, use ({len(api.resources)} resources, "
            f"{api.auth_words}), test, migrate.",
            f"* `docs/operations.md`: {len(settings)} settings read from `app/settings.py`, metrics, "
            f"logs, alerts from the targets, limits ({rate}/s per client, bursts of {burst}).",
            "* `docs/runbooks/`: deploy, scale out, rollback, database migration, high error rate, "
            "database down.",
            *([""] + [f"* {n}" for n in notes] if notes else []),
        ]
    )
    return Proposal(phase="documentation", summary=summary, changes=files, questions=notes)
