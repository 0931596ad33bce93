"""Offline phases 3-6: the generated service, checked without installing it — determinism,
code that compiles and lints clean, every brief feature, documents specific to the brief,
and later phases that keep a person's edits to earlier files."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from backend_agent.core.brief import parse_brief
from backend_agent.core.errors import BadInput
from backend_agent.engine import BuildSession
from backend_agent.providers.offline.plan import build_plan
from backend_agent.providers.offline.service.api import build_api, endpoints
from backend_agent.providers.offline.service.problems import CATALOGUE

from .offline_service_support import ALL, Branch, brief, build, commit, propose, write

RUFF = Path(sys.executable).parent / "ruff"


@pytest.fixture(scope="module")
def built() -> dict[str, dict[str, str]]:
    return {name: build(brief(name)) for name in ALL}


def test_the_same_brief_gives_byte_identical_files(built):
    for name in ("shop", "reserved"):
        assert build(brief(name)) == built[name]


def test_every_phase_proposes_and_a_build_holds_the_whole_service(built):
    for name, files in built.items():
        assert {"app/main.py", "app/serve.py", "migrations/0001_init.sql", "README.md"} <= set(
            files
        )
        assert {"docs/operations.md", "docs/security-review.md", ".env.example"} <= set(files)
        for runbook in (
            "deploy",
            "rollback",
            "database-migration",
            "incident-high-error-rate",
            "incident-database-down",
        ):
            assert f"docs/runbooks/{runbook}.md" in files, (name, runbook)
        api = build_api(build_plan(brief(name)))
        for r in api.resources:
            for layer in ("models", "repositories", "services", "routers"):
                assert f"app/{layer}/{r.module}.py" in files, (name, layer, r.module)
            assert r.test_file in files


@pytest.mark.parametrize("name", ALL)
def test_generated_python_compiles_and_passes_its_own_ruff_config(built, tmp_path, name):
    files = built[name]
    for path, content in files.items():
        if path.endswith(".py"):
            compile(content, path, "exec")
    root = write(files, tmp_path)
    result = subprocess.run(
        [str(RUFF), "check", "--no-cache", "--output-format=concise", "."],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


ROUTE = re.compile(r'@router\.(get|post|put|patch|delete)\(\s*"([^"]*)"')


@pytest.mark.parametrize("name", ALL)
def test_documented_endpoints_are_exactly_the_routes_in_the_code(built, name):
    api = build_api(build_plan(brief(name)))
    routes = set()
    for path, code in built[name].items():
        if path.startswith("app/routers/") and path != "app/routers/__init__.py":
            prefix = re.search(r'APIRouter\(prefix="([^"]*)"', code).group(1)
            routes |= {(m.upper(), prefix + p) for m, p in ROUTE.findall(code)}
    assert routes == {(e.method, e.path) for e in endpoints(api)}


def test_reserved_words_are_quoted_in_sql_and_aliased_in_python(built):
    files = built["reserved"]
    # Entity Value is table "values", a reserved word: quoted wherever SQL names it.
    value_sql = files["app/repositories/value.py"]
    assert (
        'INSERT INTO "values" (owner_id, class_id, order_id, "order", "user", "where"' in value_sql
    )
    assert '"default"' in value_sql and 'FROM "values"' in value_sql
    # Field `from` of Class: quoted in SQL, `from_` in Python, "from" in JSON.
    assert '"from"' in files["app/repositories/class_.py"]
    assert (
        'from_: Annotated[str, Field(pattern=NOT_BLANK, max_length=30, alias="from")]'
        in files["app/models/class_.py"]
    )
    # The enum field `class` filters lists as ?class=..., a Python keyword.
    assert (
        'class_: Annotated[Literal["a", "b"] | None, Query(alias="class"'
        in files["app/routers/class_.py"]
    )
    # Module names that are keywords get an underscore; routes keep the plural.
    assert "from .routers import class_ as class__routes" in files["app/main.py"]
    assert 'APIRouter(prefix="/classes"' in files["app/routers/class_.py"]
    # The User entity's `order` field lands on users, quoted.
    assert '"order"' in files["app/repositories/user.py"]
    # Query parameters named like the routes' own (limit) are not offered as filters.
    assert 'Query(alias="limit"' not in files["app/routers/class_.py"]


def test_names_that_would_clash_with_the_generators_own_get_a_suffix(built):
    files = built["collisions"]
    # Entity Accounts would be app/routers/accounts.py, the sign-up routes: it gets a suffix.
    assert "from .routers import accounts_ as accounts__routes" in files["app/main.py"]
    assert 'APIRouter(prefix="/auth"' in files["app/routers/accounts.py"]
    # Entity Migration's tests would overwrite the migration runner's.
    assert "def test_refuses_a_migration_edited_after_it_ran(" in files["tests/test_migrations.py"]
    assert 'client.post("/migrations"' in files["tests/test_migrations_resource.py"]
    # Entities Metric and Doc take /metrics and /docs: the operational routes move aside.
    assert '"/_metrics"' in files["app/hardening/__init__.py"]
    assert 'docs_url="/_docs"' in files["app/main.py"]
    # Filters named like the list's own parameters: renamed, or left out (limit, cursor).
    assert 'conn_filter: Annotated[str | None, Query(alias="conn"' in files["app/routers/metric.py"]
    # Links from User are made from the other side.
    assert '@router.put("/{doc_id}/users/{user_id}"' in files["app/routers/doc.py"]
    # Defaults of every type, in Python as in SQL.
    migration = files["app/models/migration.py"]
    for default in (
        'note: Annotated[str, Field(max_length=40)] = "none yet"',
        'ran_on: date = date.fromisoformat("2024-05-01")',
        'extra: JsonValue = {"retries": 3, "tags": ["a"]}',
        'cost: Annotated[Decimal, Field(max_digits=4, decimal_places=2)] = Decimal("1.50")',
    ):
        assert default in migration, default


def test_each_on_delete_rule_and_relation_gets_a_test(built):
    files = built["reserved"]
    values = files["tests/test_values.py"]
    assert "def test_deleting_the_class_deletes_its_values(" in values  # cascade
    assert "def test_deleting_the_order_leaves_values_without_one(" in values  # set-null
    assert (
        "def test_a_class_with_orders_cannot_be_deleted(" in files["tests/test_orders.py"]
    )  # restrict
    assert "def test_an_order_of_someone_else_cannot_be_linked(" in values
    assert "def test_order_id_of_someone_else_is_refused_like_a_missing_one(" in values
    assert "def test_link_list_and_unlink_orders(" in values  # many-to-many
    assert "def test_link_list_and_unlink_users(" in files["tests/test_classes.py"]  # with User
    folders = built["sessions"]["tests/test_folders.py"]
    assert "# A self-reference: the parent is a row of the same table." in folders


def test_brief_rules_become_request_model_constraints(built):
    product = built["shop"]["app/models/product.py"]
    assert "price: Annotated[Decimal, Field(max_digits=10, decimal_places=2, ge=0)]" in product
    # A state machine's field: a new row starts at the default, updates move it.
    create, update = product.split("class ProductUpdate", 1)
    assert "status" not in create.split("class ProductCreate", 1)[1]
    assert 'status: Literal["draft", "active", "retired"] = None' in update
    assert "stock: Annotated[int, Field(strict=True, ge=0, le=2147483647)] = 0" in product
    item = built["shop"]["app/models/order_item.py"]
    assert "quantity: Annotated[int, Field(strict=True, ge=1, le=1000)]" in item
    # Immutable: set on create, not in the update body.
    assert "unit_price" not in item.split("class OrderItemUpdate", 1)[1].split("class", 1)[0]
    bookmark = built["bookmarks"]["app/models/bookmark.py"]
    assert "url: Annotated[str, Field(max_length=2048, pattern=URL_PATTERN)]" in bookmark
    assert 'extra="forbid"' in bookmark
    # The database enforces the same limits: the SQL and the model come from one plan.
    assert "char_length(title) <= 200" in built["bookmarks"]["migrations/0001_init.sql"]
    assert "title: Annotated[str | None, Field(max_length=200)] = None" in bookmark


def test_each_auth_mode_generates_its_own_credentials(built):
    jwt = built["bookmarks"]
    assert "import jwt" in jwt["app/auth.py"] and "HTTPBearer" in jwt["app/auth.py"]
    api_key = built["reserved"]
    assert 'HEADER = "X-API-Key"' in api_key["app/auth.py"]
    assert "INSERT INTO api_keys" in api_key["app/repositories/user.py"]
    assert "def test_a_revoked_key_stops_working(" in api_key["tests/test_auth.py"]
    session = built["sessions"]
    assert 'COOKIE = "recipes_session"' in session["app/auth.py"]
    assert 'samesite="lax"' in session["app/routers/accounts.py"]
    assert "def test_log_out_ends_the_session(" in session["tests/test_auth.py"]
    none = built["open"]
    assert not {"app/auth.py", "app/passwords.py", "tests/test_auth.py"} & set(none)
    assert "CurrentUser" not in none["app/routers/page.py"]
    assert "argon2" not in none["pyproject.toml"] and "pyjwt" not in none["pyproject.toml"]


def test_ownership_is_in_the_sql_of_every_owned_table(built):
    for name in ("bookmarks", "shop", "reserved", "sessions"):
        api = build_api(build_plan(brief(name)))
        for r in api.owned:
            sql = built[name][f"app/repositories/{r.module}.py"]
            for function in ("get", "exists", "select_page", "update", "delete"):
                body = sql.split(f"async def {function}(", 1)[1].split("\nasync def ", 1)[0]
                # Adjacent string literals are one SQL statement.
                body = re.sub(r"['\"]\s*\n\s*f?['\"]", "", body)
                assert "owner_id = %(_owner)s" in body, (name, r.module, function)
                assert "scope: Scope" in body and "scope.params()" in body


def test_documents_name_the_brief_and_its_targets(built):
    shop, bookmarks = built["shop"], built["bookmarks"]
    for name, files in (("shop", shop), ("bookmarks", bookmarks)):
        api = build_api(build_plan(brief(name)))
        readme = files["README.md"]
        for r in api.resources:
            assert f"`{r.path}`" in readme, (name, r.path)
        for table in api.plan.tables:
            assert table.name in files["docs/runbooks/deploy.md"], (name, table.name)
            assert table.name in files["docs/operations.md"]
    assert "99.95% availability" in shop["docs/operations.md"]
    assert "> 0.25" in shop["docs/operations.md"]  # the p99 target as an alert threshold
    assert "2555 days" in shop["docs/operations.md"]  # retention
    assert "`products`, `orders`, `order_items`, `shipments`" in shop["docs/security-review.md"]
    assert "deleting an order also deletes its order items" in shop["docs/runbooks/rollback.md"]
    assert (
        "`bookmarks` rows where `is_public` is true are what plain readers see"
        in (bookmarks["docs/security-review.md"])
    )
    assert "99.9% availability" in bookmarks["docs/operations.md"]
    # Not one text with the names swapped: the shop's README says nothing of bookmarks.
    assert "bookmark" not in shop["README.md"].lower()
    assert "/orders" not in bookmarks["README.md"] and "shipment" not in bookmarks["README.md"]


def test_every_setting_is_documented_with_the_default_the_code_has(built):
    operations = built["shop"]["docs/operations.md"]
    assert "| `DATABASE_URL` | **required** |" in operations
    assert "| `JWT_SECRET` | **required** |" in operations
    assert "| `DATABASE_POOL_MAX_SIZE` | `64` |" in operations  # from the shop's targets
    assert "| `RATE_LIMIT_PER_SECOND` | `25.0` |" in operations
    assert "added on the branch" not in operations


SYMBOL = re.compile(r"`(app/[\w/]+\.py)::([\w.]+)`")


@pytest.mark.parametrize("name", ["bookmarks", "shop", "open"])
def test_the_security_review_points_at_code_that_exists(built, name):
    files = built[name]
    review = files["docs/security-review.md"]
    for code in ("API1:2023", "API2:2023", "API4:2023", "API8:2023", "API10:2023"):
        assert code in review
    found = SYMBOL.findall(review)
    assert len(found) >= 8
    for path, symbol in found:
        tree = ast.parse(files[path])
        names = {
            n.name
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        }
        names |= {
            t.id
            for n in ast.walk(tree)
            if isinstance(n, ast.Assign | ast.AnnAssign)
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
            if isinstance(t, ast.Name)
        }
        assert symbol.split(".")[-1] in names, (path, symbol)
    for match in re.findall(r"`(tests/test_\w+\.py)(?:::(\w+))?`", review):
        path, test = match
        assert path in files and (not test or f"def {test}(" in files[path]), match


def test_every_problem_type_is_in_the_code_that_raises_it(built):
    code = "\n".join(c for p, c in built["bookmarks"].items() if p.startswith("app/"))
    for problem in CATALOGUE:
        assert f'"{problem.slug}"' in code, problem.slug


def test_adrs_are_numbered_in_one_sequence_after_the_branch():
    branch = Branch({"docs/adr/0009-ours.md": "kept"})
    files = build(brief("bookmarks"), branch=branch)
    numbers = sorted(int(p[9:13]) for p in files if p.startswith("docs/adr/"))
    assert numbers == [9, *range(10, 10 + len(numbers) - 1)]
    titles = "\n".join(
        files[p].splitlines()[6]
        for p in files
        if p.startswith("docs/adr/") and p != "docs/adr/0009-ours.md"
    )
    for needle in (
        "Routers, services and repositories",
        "RFC 9457",
        "keyset",
        "Cache GET",
        "timeouts",
        "Prometheus",
        "error-budget",
    ):
        assert needle in titles, needle


# --- later phases and the files a person edited -------------------------------------------


def _phase(name: str, phase_id: str, branch: Branch):
    return propose(brief(name), phase_id, branch)


def test_phase_4_adds_its_lines_to_the_edited_phase_3_files():
    branch = Branch()
    build(brief("bookmarks"), upto=3, branch=branch)
    settings = (
        branch.content["app/settings.py"].replace(
            "class Settings(BaseSettings):",
            "# Edited by a person.\nclass Settings(BaseSettings):",
        )
        + "\n\nOUR_CONSTANT = 1\n"
    )
    settings = settings.replace(
        "    password_hash_parallelism: int = Field(default=1, ge=1)\n",
        "    password_hash_parallelism: int = Field(default=1, ge=1)\n    feature_x: bool = False\n",
    )
    main = branch.content["app/main.py"].replace(
        "    return app\n", "    app.state.edited = True\n    return app\n"
    )
    branch.content.update({"app/settings.py": settings, "app/main.py": main})
    proposal = _phase("bookmarks", "infrastructure", branch)
    changed = {c.path: c for c in proposal.changes}
    new_settings, new_main = changed["app/settings.py"].content, changed["app/main.py"].content
    assert changed["app/settings.py"].action == "modify"
    assert "# Edited by a person." in new_settings and "OUR_CONSTANT = 1" in new_settings
    assert "    feature_x: bool = False\n" in new_settings
    assert new_settings.index("feature_x") < new_settings.index("rate_limit_burst")
    assert (
        "    app.state.edited = True\n    install_infrastructure(app, settings)\n    return app"
        in new_main
    )
    assert "from .infra import install as install_infrastructure\n" in new_main
    assert proposal.questions == []
    # The next phase builds on that text too, and applying a phase twice adds nothing.
    commit(branch, proposal)
    hardening = {c.path: c.content for c in _phase("bookmarks", "hardening", branch).changes}
    assert "app.state.edited = True" in hardening["app/main.py"]
    assert hardening["app/main.py"].count("install_infrastructure(app, settings)") == 1
    assert "feature_x" in hardening["app/settings.py"]
    again = {c.path: c.content for c in _phase("bookmarks", "infrastructure", branch).changes}
    assert again["app/main.py"] == branch.content["app/main.py"]
    assert again["app/settings.py"] == branch.content["app/settings.py"]
    # The operations guide reads the settings on the branch: the person's field is listed.
    commit(branch, _phase("bookmarks", "hardening", branch))
    docs = {c.path: c.content for c in _phase("bookmarks", "documentation", branch).changes}
    assert (
        "| `FEATURE_X` | `False` | added on the branch: describe it here |"
        in docs["docs/operations.md"]
    )


def test_a_restructured_file_is_replaced_and_the_proposal_says_so():
    branch = Branch()
    build(brief("bookmarks"), upto=3, branch=branch)
    branch.content["app/main.py"] = "from fastapi import FastAPI\n\napp = FastAPI()\n"
    proposal = _phase("bookmarks", "infrastructure", branch)
    main = next(c for c in proposal.changes if c.path == "app/main.py")
    assert (
        "def create_app(" in main.content
        and "install_infrastructure(app, settings)" in main.content
    )
    assert any("app/main.py" in q and "carry your changes over" in q for q in proposal.questions)
    assert "Check before approving" in proposal.summary


def test_phase_6_keeps_the_text_of_an_existing_readme():
    branch = Branch({"README.md": "# my project\n\nOur deploy notes live here.\n"})
    files = build(brief("shop"), branch=branch)
    readme = files["README.md"]
    assert readme.startswith("# shop\n")
    assert readme.endswith("# my project\n\nOur deploy notes live here.\n")


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '[[relations]]\nkind = "many-to-one"\nfrom = "User"\nto = "Note"\n',
            "relation User -> Note",
        ),
        (
            '[[relations]]\nkind = "many-to-one"\nfrom = "Note"\nto = "Note"\nrequired = true\n',
            r"required relations form a cycle \(Note -> Note\)",
        ),
        (
            '[[entities]]\nname = "User"\nfields = [{ name = "joined", type = "date", '
            'set_by = "server" }]\n',
            "User.joined: the offline generator keeps the fields of accounts plain",
        ),
    ],
)
def test_briefs_the_generator_cannot_build_are_refused_clearly(extra, message):
    text = (
        '[project]\nname = "notes"\n[[entities]]\nname = "Note"\n'
        'fields = [{ name = "body", type = "text" }]\n' + extra
    )
    with pytest.raises(BadInput, match=message):
        propose(parse_brief(text), "architecture", Branch())


def test_owned_rows_need_an_auth_mode():
    text = (
        '[project]\nname = "notes"\n[stack]\nauth = "none"\n[[entities]]\nname = "Note"\n'
        'owned_by_user = true\nfields = [{ name = "body", type = "text" }]\n'
    )
    with pytest.raises(BadInput, match="owned_by_user, but auth = 'none'"):
        parse_brief(text)


# --- through the engine --------------------------------------------------------------------


def test_all_six_phases_commit_through_the_engine(repo):
    with BuildSession.start(repo, brief("shop")) as session:
        for p in (
            "architecture",
            "data-model",
            "service-layer",
            "infrastructure",
            "hardening",
            "documentation",
        ):
            list(session.generate(p))
            actions = {c.path: c.action for c in session.record(p).proposal.changes}
            if p in ("infrastructure", "hardening"):
                assert actions["app/main.py"] == "modify"
            session.approve_all()
            session.commit()
        files = session.worktree.files()
        main = session.worktree.read("app/main.py")
        readme = session.worktree.read("README.md")
        log = json.dumps([session.record(p).commit for p in ("service-layer", "documentation")])
    assert "app/hardening/metrics.py" in files and "docs/runbooks/deploy.md" in files
    assert main.count("install_hardening(app, settings)") == 1
    assert "null" not in log
    # The README on the user's branch point is kept inside the service README; the user's
    # own working tree is not touched.
    assert readme.startswith("# shop\n") and "a user's project" in readme
    assert (repo / "README.md").read_text() == "# a user's project\n"


def test_more_than_one_machine_is_proposed_and_sized_from_the_targets(built):
    for name, files in built.items():
        deployment = {"Dockerfile", "compose.yaml", ".github/workflows/ci.yml"}
        deployment |= {
            f"deploy/k8s/{m}.yaml"
            for m in ("deployment", "service", "hpa", "pdb", "migrate-job", "configmap")
        }
        assert deployment <= set(files), (name, deployment - set(files))
        assert "docs/runbooks/scale-out.md" in files
        assert "tests/test_deploy.py" in files and "app/infra/shared.py" in files
    shop = built["shop"]
    # 500 requests/s budgets 10 sign-ins/s: two slots of ~25 ms carry it on one instance.
    adr = next(
        c for p, c in shop.items() if p.endswith("-password-hashing-sized-for-the-targets.md")
    )
    assert "budgeted at 10/s" in adr and "at most 2 at a time" in adr
    assert "password_hash_concurrency: int = Field(default=2, ge=1)" in shop["app/settings.py"]
    assert (
        'environment: Literal["development", "test", "staging", "production"] = "production"'
        in (shop["app/settings.py"])
    )
    # Open services have no accounts: no sign-in limits, no hashing ADR.
    assert "app/infra/auth_limit.py" not in built["open"]
    assert not any("password-hashing" in p for p in built["open"])
