"""Phases 3-6 of the TypeScript target: each proposes the target's own files and the
decisions both targets share, in this target's words."""

from __future__ import annotations

from datetime import date

from ....core.brief import Brief
from ....core.proposal import Proposal
from .. import phase3
from ..adr import adr_files
from ..schema import Plan
from ..service.api import build_api, endpoints
from ..target import TYPESCRIPT
from . import layer
from .names import module_dir


def propose_service_layer(brief: Brief, plan: Plan, existing: list[str], day: date) -> Proposal:
    api = build_api(plan)
    changes = layer.files(api)
    modules = [module_dir(r).rsplit("/", 1)[1] for r in api.resources]
    changes += adr_files(phase3.adrs(api, TYPESCRIPT, modules), existing, day)
    eps = endpoints(api)
    summary = "\n".join(
        [
            f"# Service layer for {api.name}",
            "",
            f"A Fastify 5 service in strict TypeScript over the phase-2 schema: {len(eps)} "
            f"endpoints for {len(api.resources)} resources, {api.auth_words}, zod schemas for "
            "every request and response (and the OpenAPI document at `/openapi.json` made from "
            "them), RFC 9457 errors, keyset pagination, and a migration runner. Its own vitest "
            "suite runs against a real PostgreSQL (`TEST_DATABASE_URL`): `npm test`.",
            "",
            "| Method | Path | Who |",
            "|---|---|---|",
            *[f"| {e.method} | `{e.path}` | {e.access} |" for e in eps],
        ]
    )
    questions = []
    if "package.json" in existing:
        questions.append(
            "The branch already has a package.json; this phase replaces it with the service's "
            "own. Reject that file if the repository holds another project."
        )
    return Proposal(phase="service-layer", summary=summary, changes=changes, questions=questions)


def propose_infrastructure(*args):
    raise NotImplementedError


propose_hardening = propose_documentation = propose_infrastructure
