"""The typescript-fastify target, checked without installing it: the brief picks it, the
shared phases keep their content, every brief feature reaches the generated files, the
routes are the documented endpoints, and later phases keep a person's edits."""

from __future__ import annotations

import json
import re

import pytest

from backend_agent.core.brief import Brief
from backend_agent.providers.offline.plan import build_plan
from backend_agent.providers.offline.service.api import build_api, endpoints
from backend_agent.providers.offline.target import PYTHON, TYPESCRIPT, target_for
from backend_agent.providers.offline.typescript.docs import settings_of
from backend_agent.providers.offline.typescript.names import module_dir, suite_file

from .conftest import EXAMPLES
from .offline_service_support import ALL, Branch, brief, build, commit, propose

ROUTE = re.compile(r'app\.(get|post|put|patch|delete)\(\s*"([^"]+)"', re.MULTILINE)


def typescript(the_brief: Brief) -> Brief:
    stack = the_brief.stack.model_copy(update={"language": "typescript", "framework": "fastify"})
    return the_brief.model_copy(update={"stack": stack})


@pytest.fixture(scope="module")
def built() -> dict[str, dict[str, str]]:
    return {name: build(typescript(brief(name))) for name in ALL}


def test_the_brief_picks_the_target():
    bookmarks = brief("bookmarks")
    assert target_for(bookmarks) is PYTHON
    assert target_for(typescript(bookmarks)) is TYPESCRIPT
    auto = bookmarks.model_copy(
        update={
            "stack": bookmarks.stack.model_copy(update={"language": "auto", "framework": "fastify"})
        }
    )
    assert target_for(auto) is TYPESCRIPT
    assert target_for(brief("events")) is TYPESCRIPT


def test_a_stack_no_target_writes_is_a_question_in_phase_1():
    bookmarks = brief("bookmarks")
    go = bookmarks.model_copy(
        update={"stack": bookmarks.stack.model_copy(update={"language": "go", "framework": "gin"})}
    )
    questions = propose(go, "architecture", Branch()).questions
    assert any("go/gin" in q and "python-fastapi" in q for q in questions)
    express = typescript(bookmarks).model_copy(
        update={"stack": typescript(bookmarks).stack.model_copy(update={"framework": "express"})}
    )
    assert any(
        "typescript/express" in q for q in propose(express, "architecture", Branch()).questions
    )
    assert not any(
        "offline generator writes" in q
        for q in propose(typescript(bookmarks), "architecture", Branch()).questions
    )


def test_the_same_brief_gives_byte_identical_files(built):
    assert build(typescript(brief("shop"))) == built["shop"]


def test_a_build_holds_the_whole_typescript_service_and_no_python(built):
    for name, files in built.items():
        assert not [p for p in files if p.endswith(".py") or p == "pyproject.toml"], name
        for path in (
            "package.json",
            "tsconfig.json",
            "vitest.config.ts",
            "eslint.config.js",
            "src/app.ts",
            "src/server.ts",
            "src/migrate.ts",
            "src/config.ts",
            "src/openapi.ts",
            "src/infra/index.ts",
            "src/hardening/shutdown.ts",
            "Dockerfile",
            "README.md",
            "migrations/0001_init.sql",
            "docs/security-review.md",
            "docs/operations.md",
            "test/support/service.ts",
            "test/migrations.test.ts",
        ):
            assert path in files, (name, path)
        api = build_api(build_plan(typescript(brief(name))))
        for r in api.resources:
            for part in ("schemas", "repository", "service", "routes"):
                assert f"{module_dir(r)}/{part}.ts" in files, (name, r.name, part)
            assert suite_file(r) in files


def test_the_shared_phases_match_the_python_build_where_the_content_is_the_same(built):
    python = build(brief("shop"), upto=2)
    same = [
        "migrations/0001_init.sql",
        "docs/adr/0001-record-architecture-decisions.md",
        "docs/adr/0005-schema-conventions.md",
        "docs/adr/0006-forward-only-sql-migrations.md",
    ]
    for path in same:
        assert built["shop"][path] == python[path], path
    # The requirements differ only in the command that grants roles.
    requirements = built["shop"]["docs/requirements.md"]
    assert (
        requirements.replace("npm run admin --", "python -m app.admin")
        == python["docs/requirements.md"]
    )
    architecture = built["shop"]["docs/architecture.md"]
    assert "Fastify" in architecture and "node-postgres (pg) pool" in architecture
    assert "FastAPI" not in architecture and "psycopg" not in architecture
    reserved = built["shop"]["docs/adr/0007-reserved-words-in-names.md"]
    assert "Python" not in reserved and 'SQL "from"' in reserved


def test_package_json_has_the_scripts_a_node_developer_expects(built):
    package = json.loads(built["bookmarks"]["package.json"])
    scripts = package["scripts"]
    assert scripts["start"] == "node dist/server.js" and scripts["prestart"] == "npm run build"
    assert scripts["migrate"] == "node dist/migrate.js" and scripts["premigrate"] == "npm run build"
    assert scripts["test"] == "vitest run" and scripts["lint"] == "eslint ."
    assert {"fastify", "pg", "zod", "argon2", "jose", "ioredis"} <= set(package["dependencies"])
    assert {"typescript", "vitest"} <= set(package["devDependencies"])
    assert package["type"] == "module" and package["engines"]["node"].startswith(">=20")
    tsconfig = json.loads(built["bookmarks"]["tsconfig.json"])
    assert tsconfig["compilerOptions"]["strict"] is True
    sessions = json.loads(built["sessions"]["package.json"])["dependencies"]
    assert "jose" not in sessions and "argon2" in sessions
    assert "argon2" not in json.loads(built["open"]["package.json"])["dependencies"]


@pytest.mark.parametrize("name", ALL)
def test_documented_endpoints_are_exactly_the_routes_in_the_code(built, name):
    api = build_api(build_plan(typescript(brief(name))))
    documented = {(e.method, re.sub(r"\{(\w+)\}", r":\1", e.path)) for e in endpoints(api)}
    routes = set()
    for path, content in built[name].items():
        if path.startswith("src/modules/") and path.endswith("routes.ts"):
            routes |= {(m.upper(), p) for m, p in ROUTE.findall(content)}
    assert routes == documented


def test_every_rule_of_the_brief_reaches_the_schemas_and_the_sql(built):
    files = built["shop"]
    products = files["src/modules/product/schemas.ts"]
    assert 'price: decimal({ precision: 10, scale: 2, min: "0" }),' in products
    # A state machine's field: a new row starts at the default, updates move it.
    create, update = products.split("export const ProductUpdate", 1)
    assert "status" not in create
    assert 'status: z.enum(["draft", "active", "retired"]).optional(),' in update
    assert "stock: int(0, 2147483647).default(0)," in products
    assert "z.strictObject" in products
    shipments = files["src/modules/shipment/schemas.ts"]
    assert "from: z.string().max(120).nullable().optional()," in shipments
    assert "details: z.json().nullable().optional()," in shipments
    orders = files["src/modules/order/repository.ts"]
    assert "INSERT INTO orders (owner_id," in orders and "owner_id = :owner" in orders
    assert "${scoped(WRITE, scope, params)}" in orders
    assert '"from"' in files["src/modules/shipment/repository.ts"]
    items = files["src/modules/order-item/service.ts"]
    assert "checkReferences" in items and "InvalidReference" in items
    products_repo = files["src/modules/product/repository.ts"]
    assert "StillReferenced" in products_repo  # order items RESTRICT the delete
    errors = files["src/errors.ts"]
    assert '"products_sku_key": ["sku"]' in errors or 'products_sku_key: ["sku"]' in errors


def test_tests_cover_ownership_uniqueness_references_and_links(built):
    bookmarks = built["bookmarks"]["test/bookmarks.test.ts"]
    for title in (
        "rows of others are not found",
        "rows that are not public are seen only by those who may change them",
        "each kind of caller gets what the brief allows",
        "saved_from is set on create and never changes",
        "a duplicate url is a conflict",
        "links, lists and unlinks tags",
        "a tag of someone else cannot be linked",
        "callers without credentials get what the brief allows",
        "lists filter by is_public",
    ):
        assert f'it("{title}"' in bookmarks, title
    items = built["shop"]["test/order-items.test.ts"]
    assert 'it("order_id of someone else is refused like a missing one"' in items
    assert 'it("deleting the order deletes its order items"' in items
    assert (
        'it("a product with order items cannot be deleted"'
        in built["shop"]["test/order-items.test.ts"]
    )


def test_operations_lists_the_settings_read_from_config_ts(built):
    config = built["bookmarks"]["src/config.ts"]
    settings = {s.env: s.default for s in settings_of(config)}
    assert settings["DATABASE_URL"] is None and settings["JWT_SECRET"] is None
    assert settings["PORT"] == "8000" and settings["REDIS_URL"] == "(unset)"
    assert settings["RATE_LIMIT_BURST"] == "40" and settings["METRICS_ENABLED"] == "true"
    operations = built["bookmarks"]["docs/operations.md"]
    for name in settings:
        assert f"`{name}`" in operations, name
    assert "npm start" in operations and "python -m" not in operations


def test_documents_speak_of_npm_not_python(built):
    for path in (
        "README.md",
        "docs/runbooks/deploy.md",
        "docs/runbooks/database-migration.md",
        "docs/security-review.md",
    ):
        text = built["bookmarks"][path]
        assert "python -m" not in text and "pytest" not in text, path
        assert "app/" not in text.replace("/app/", ""), path
    readme = built["bookmarks"]["README.md"]
    assert "npm run migrate" in readme and "npm start" in readme and "npm test" in readme
    review = built["bookmarks"]["docs/security-review.md"]
    assert "`src/modules/bookmark/repository.ts::get`" in review
    assert "`test/bookmarks.test.ts::rows of others are not found`" in review


def test_later_phases_keep_a_persons_edits_to_earlier_files():
    the_brief = typescript(brief("bookmarks"))
    branch = Branch()
    for phase in ("architecture", "data-model", "service-layer"):
        commit(branch, propose(the_brief, phase, branch))
    edited = branch.content["src/app.ts"].replace(
        "  installErrorHandlers(app);", "  installErrorHandlers(app);\n  // our own hook goes here"
    )
    branch.content["src/app.ts"] = edited
    infra = propose(the_brief, "infrastructure", branch)
    app = next(c for c in infra.changes if c.path == "src/app.ts")
    assert app.action == "modify"
    assert "// our own hook goes here" in app.content
    assert "    ...infrastructureOptions(config)," in app.content
    assert "  installInfrastructure(app);" in app.content
    assert not infra.questions
    package = json.loads(next(c for c in infra.changes if c.path == "package.json").content)
    assert package["dependencies"]["ioredis"]
    commit(branch, infra)
    branch.content["src/server.ts"] = "// rewritten by hand\nexport {};\n"
    hardening = propose(the_brief, "hardening", branch)
    server = next(c for c in hardening.changes if c.path == "src/server.ts")
    assert "installShutdown(app, config.SHUTDOWN_DEADLINE_SECONDS);" in server.content
    assert any("src/server.ts" in q for q in hardening.questions)  # the edit could not be kept


def test_the_example_briefs_are_valid():
    assert (EXAMPLES / "events.toml").exists()
    api = build_api(build_plan(brief("events")))
    assert [r.name for r in api.resources] == ["Venue", "Category", "Event", "Ticket"] or {
        r.name for r in api.resources
    } == {"Venue", "Category", "Event", "Ticket"}
    assert any(link.left.class_name == "Event" for link in api.plan.links)


@pytest.mark.parametrize(
    ("language", "framework", "full", "by_name"),
    [
        ("typescript", "fastify", "nodejs-patterns", "python-fastapi-patterns"),
        ("auto", "fastify", "nodejs-patterns", "python-fastapi-patterns"),
        ("python", "fastapi", "python-fastapi-patterns", "nodejs-patterns"),
    ],
)
def test_claude_gets_the_skill_of_the_briefs_stack_in_full(language, framework, full, by_name):
    from backend_agent.core.phases import phase
    from backend_agent.providers.anthropic.prompt import catalog_text, phase_skills
    from backend_agent.providers.base import ProposalRequest
    from backend_agent.skills import load_skills

    from .conftest import ROOT
    from .offline_service_support import DAY

    base = brief("bookmarks")
    stack = base.stack.model_copy(update={"language": language, "framework": framework})
    request = ProposalRequest(
        phase=phase("service-layer"),
        brief=base.model_copy(update={"stack": stack}),
        build="b",
        branch=Branch(),
        started=DAY,
    )
    skills = load_skills(ROOT)
    used = [s.name for s in phase_skills(request, skills)]
    assert full in used and by_name not in used  # the phase's task gives these in full
    assert f"- {by_name} (phases 3)" in catalog_text(request, skills)  # by name only


def test_the_nodejs_skill_shows_what_the_checks_run():
    """The skill's TypeScript project is the one the checks know: the npm scripts, tsc,
    ESLint with floating promises as errors, vitest against TEST_DATABASE_URL."""
    skill = (EXAMPLES.parent / "skills" / "nodejs-patterns" / "SKILL.md").read_text()
    for expected in (
        '"test": "vitest run"',
        '"lint": "eslint ."',
        "tsc --noEmit",
        "TEST_DATABASE_URL",
        "no-floating-promises",
        "npm ci",
    ):
        assert expected in skill, expected


def test_the_rules_documents_name_the_typescript_files_and_commands():
    files = build(brief("events"))
    for path, text in files.items():
        if path.endswith(".md"):
            for python in ("python -m", "app/access.py", "app.admin"):
                assert python not in text, (path, python)
    assert "npm run admin -- grant-role ada@example.com staff" in files["README.md"]
    assert "`npm run admin -- grant-role EMAIL ROLE`" in files["docs/requirements.md"]
    adr = next(c for p, c in files.items() if p.endswith("-authorization-by-rules-in-sql.md"))
    assert "from src/access.ts in every repository statement" in adr
