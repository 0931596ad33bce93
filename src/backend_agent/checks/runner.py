"""One check run over a proposed tree: fast file checks, SQL on a server, ruff, the tests.

Stages run cheapest first and each reports as soon as it is done, so a person sees the
secrets and syntax findings while the migrations and the test suite are still running.
Nothing here knows about sessions or state: the engine stores what the stages report.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ..core.checks import NO_SUITE, CheckOutput, CheckProgress, CheckResult, PhaseChecks
from ..core.checks import CheckOptions as Options
from . import adr, links, migration_lint, pycode, pyenv, secrets, sql, structured, testrun
from .tree import ProposedTree

DOC_SUFFIXES = {".md", ".rst", ".txt", ".adoc"}


@dataclass
class StageDone:
    stage: str
    files: dict[str, list[CheckResult]] = field(default_factory=dict)
    phase: list[CheckResult] = field(default_factory=list)
    server: str | None = None

    def added_to(self, checks: PhaseChecks) -> PhaseChecks:
        """`checks` with this stage's results in (a copy: a reader may hold the old one)."""
        checks = checks.model_copy(deep=True)
        for path, results in self.files.items():
            if path in checks.files:
                checks.files[path].results += results
        names = {r.check for r in self.phase}
        checks.phase = [r for r in checks.phase if r.check not in names] + self.phase
        checks.server = self.server or checks.server
        return checks


Event = CheckProgress | CheckOutput | StageDone


def run(
    tree: ProposedTree,
    targets: list[str],
    options: Options,
    cancel: threading.Event,
) -> Generator[Event, None, None]:
    """Check `targets` (proposed paths) in the context of the whole tree."""
    contents = tree.read_all(targets)
    yield CheckProgress(f"checking {len(targets)} file{'s' if len(targets) != 1 else ''}")
    yield _file_stage(tree, targets, contents)
    if cancel.is_set():
        return
    if any(sql.is_migration(p) for p in targets):
        yield CheckProgress("applying the migrations to a throwaway database")
        yield _sql_stage(tree, targets, cancel)
    python = [p for p in targets if p.endswith(".py") and p in contents]
    code = any(PurePosixPath(p).suffix.lower() not in DOC_SUFFIXES for p in targets)
    # A package.json makes it a Node project: the Node toolchain checks and tests it.
    node = code and "package.json" in tree.paths() and not options.test_command
    plan = _test_plan(tree, options) if options.tests and code and not node else None
    if options.tests and code and plan is None and not node:
        yield StageDone("tests", phase=[_no_suite()])
    wanted = _declaration(tree, plan, options)
    if isinstance(wanted, CheckResult):
        yield StageDone("tests", phase=[wanted])
        plan = wanted = None
    if cancel.is_set() or not (python or plan or node):
        return
    with tree.materialized() as root:
        if python:
            yield CheckProgress(f"ruff on {len(python)} Python files")
            yield StageDone("ruff", files=pycode.ruff_check(root, python))
        if node and not cancel.is_set():
            yield from _node_stage(root, options, targets, cancel)
        if plan is not None and wanted is not None and not cancel.is_set():
            plan = yield from _environment(root, plan, wanted, options, cancel)
        if plan is not None and not cancel.is_set():
            yield from _test_stage(root, plan, options, targets, cancel)


def _node_stage(
    root, options: Options, targets: list[str], cancel: threading.Event
) -> Generator[Event, None, None]:
    """npm dependencies from the cache, tsc, the project's lint, then vitest."""
    from . import nodejs

    wanted = ("typescript", "tests") if options.tests else ("typescript",)
    tools, problem = nodejs.toolchain()
    if tools is None:
        yield StageDone(
            "typescript",
            phase=[CheckResult(check=c, status="skipped", message=problem) for c in wanted],
        )
        return
    yield CheckProgress("npm dependencies (installed once per package.json, then cached)")
    try:
        installed = nodejs.install(root, tools)
    except (nodejs.InstallFailed, OSError) as error:
        message = f"not run: the npm install failed: {error}"
        yield StageDone(
            "typescript",
            phase=[CheckResult(check=c, status="skipped", message=message) for c in wanted],
        )
        return
    yield CheckProgress(f"tsc --noEmit (dependencies: {installed.how}, {installed.seconds:.1f} s)")
    result, files = nodejs.typecheck(root)
    yield StageDone("typescript", files=_in(files, targets), phase=[result])
    if cancel.is_set():
        return
    linted, lint_files = nodejs.lint(root, tools)
    if linted is not None:
        yield StageDone("lint", files=_in(lint_files, targets), phase=[linted])
    report = root.parent / f"{root.name}-vitest.json"
    command = nodejs.vitest_command(root, report)
    if not options.tests or cancel.is_set():
        return
    if command is None:
        has_test = "test" in nodejs.scripts(root)
        plan = testrun.Plan(["npm", "test"], "npm test", pytest=False) if has_test else None
        if plan is None:
            yield StageDone("tests", phase=[_no_suite()])
            return
    else:

        def outcome(code: int, output: list[str], seconds: float) -> testrun.Outcome:
            phase, found = nodejs.vitest_outcome(root, report, code, seconds)
            report.unlink(missing_ok=True)
            return testrun.Outcome(phase, found)

        plan = testrun.Plan(command, "vitest run", pytest=False, outcome=outcome)
    yield from _test_stage(root, plan, options, targets, cancel)


def _in(files: dict[str, list[CheckResult]], targets: list[str]) -> dict[str, list[CheckResult]]:
    return {p: r for p, r in files.items() if p in targets}


def _no_suite() -> CheckResult:
    return CheckResult(check="tests", status="skipped", message=NO_SUITE)


def _file_stage(tree: ProposedTree, targets: list[str], contents: dict[str, str]) -> StageDone:
    paths = tree.paths()
    known = links.with_folders(paths)
    files: dict[str, list[CheckResult]] = {}
    for path in targets:
        content = contents.get(path)
        if content is None:
            files[path] = []  # a deletion: only tree-wide checks (ADR numbering) apply
            continue
        suffix = PurePosixPath(path).suffix.lower()
        results = secrets.check(path, content)
        results += structured.check(path, content)
        if suffix == ".py":
            results += pycode.compile_check(path, content)
        if suffix == ".sql":
            results.append(sql.parse(path, content)[0])
        if suffix == ".md":
            if adr.number_of(path):
                results += adr.structure(path, content, known)
            results += links.check(path, content, known)
        files[path] = results
    numbering = adr.numbering(
        paths, tree.under_review(), [p for p, c in tree.overlay.items() if c is None]
    )
    phase = numbering.pop(None, [])
    for path, results in numbering.items():
        if path in files:
            files[path] += results
    return StageDone("files", files=files, phase=phase)


def _sql_stage(tree: ProposedTree, targets: list[str], cancel: threading.Event) -> StageDone:
    from .postgres import shared_server

    ordered = sql.migration_order([p for p in tree.paths() if sql.is_migration(p)])
    contents = tree.read_all(ordered)
    parsed: list[sql.Parsed] = []
    files: dict[str, list[CheckResult]] = {p: [] for p in targets if sql.is_migration(p)}
    broken: str | None = None
    for path in ordered:
        result, migration = sql.parse(path, contents[path])
        if migration is None:
            broken = broken or path
        elif broken is None:
            parsed.append(migration)
    for path, warning in sql.order_warnings(ordered).items():
        if path in files:
            files[path].append(warning)
    for path in files:
        if tree.proposed(path) and path in tree.branch_files() and tree.overlay[path] is not None:
            files[path].append(
                CheckResult(
                    check="sql.apply",
                    status="warn",
                    message="changes a migration already on the branch: databases that ran "
                    "it will not run it again; add a new migration instead",
                )
            )
    try:
        server = shared_server()
        problem = None if server else sql.NO_SERVER
    except RuntimeError as error:
        server, problem = None, f"parsed only: PostgreSQL did not start: {error}"
    if server is None:
        for path in files:
            files[path].append(CheckResult(check="sql.apply", status="skipped", message=problem))
        summary = CheckResult(check="sql.migrations", status="skipped", message=problem or "")
        return StageDone("sql", files=files, phase=[summary])
    fresh = [m for m in parsed if tree.proposed(m.path) and m.path not in tree.branch_files()]
    history = [m for m in parsed if m not in fresh]
    if fresh and history:
        for path, found in migration_lint.results([(m.path, m.content) for m in fresh]).items():
            files[path] += found
    with server.database() as url:
        applied, failed = sql.apply(url, parsed, cancel)
    if fresh and history and not failed and not cancel.is_set():
        with server.database() as url:
            over_rows, failed = sql.apply_over_rows(url, history, fresh, cancel)
        for path, result in over_rows.items():
            files[path].append(result)
    for path, result in applied.items():
        if path in files:
            files[path].append(result)
    if broken:
        for path in ordered[ordered.index(broken) :]:
            if path in files:
                files[path].append(
                    CheckResult(
                        check="sql.apply",
                        status="skipped",
                        message=f"not applied: {broken} does not parse",
                    )
                )
    names = ", ".join(PurePosixPath(p).name for p in ordered)
    stop = failed or broken
    if stop:
        where = applied.get(stop)
        summary = CheckResult(
            check="sql.migrations",
            status="fail",
            message=f"migrations stop at {stop}"
            + (f":{where.line}:{where.column}: {where.message}" if where and where.line else ""),
        )
    elif cancel.is_set():
        summary = CheckResult(check="sql.migrations", status="skipped", message="cancelled")
    else:
        summary = CheckResult(
            check="sql.migrations",
            status="pass",
            message=f"{len(ordered)} migration{'s' if len(ordered) != 1 else ''} applied in "
            f"order on a fresh database ({server.label}): {names}",
        )
    return StageDone("sql", files=files, phase=[summary], server=server.label)


def _test_plan(tree: ProposedTree, options: Options) -> testrun.Plan | None:
    if options.test_command:
        return testrun.custom(options.test_command)
    paths = tree.paths()
    pyproject = tree.read("pyproject.toml") if "pyproject.toml" in paths else None
    return testrun.detect(paths, pyproject)


def _declaration(
    tree: ProposedTree, plan: testrun.Plan | None, options: Options
) -> pyenv.Declaration | CheckResult | None:
    """What the project's environment is made from: only for our own pytest run of a
    project with a pyproject.toml (a --test-command brings its own environment)."""
    if plan is None or options.test_command or "pyproject.toml" not in tree.paths():
        return None
    return pyenv.declaration(tree.read("pyproject.toml") or "")


def _environment(
    root, plan: testrun.Plan, wanted: pyenv.Declaration, options: Options, cancel
) -> Generator[Event, None, testrun.Plan | None]:
    """Make or reuse the project's environment; the plan then runs pytest in it. None
    (with the tests' result reported) when there is no environment to run in."""
    from dataclasses import replace

    folder = options.environments or pyenv.default_folder()
    yield CheckProgress("preparing the project's environment")
    env = {k: v for k, v in testrun.environment(root, None).items() if k != "PYTHONPATH"}
    making = pyenv.provision(root, wanted, folder, env, cancel)
    while True:
        try:
            yield CheckOutput(next(making))
        except StopIteration as stop:
            made: pyenv.Environment = stop.value
            break
    if made.python is None:
        yield StageDone("tests", phase=[made.problem] if made.problem else [])
        return None
    if made.created:
        yield CheckProgress(f"the project's environment is ready ({made.tool}); running pytest")
    command = [str(made.python), "-m", "pytest"]
    return replace(plan, command=command, label="pytest", provisioned=True)


def _test_stage(
    root, plan: testrun.Plan, options: Options, targets: list[str], cancel: threading.Event
) -> Generator[Event, None, None]:
    from contextlib import nullcontext

    from .postgres import shared_server

    try:
        server = shared_server()
    except RuntimeError:
        server = None
    yield CheckProgress(f"running {plan.label}" + ("" if server else " (no PostgreSQL available)"))
    database = server.database("ba_tests") if server else nullcontext(None)
    with database as url:
        runner = testrun.run(
            root, plan, database_url=url, timeout=options.test_timeout, cancel=cancel
        )
        while True:
            try:
                yield CheckOutput(next(runner))
            except StopIteration as stop:
                outcome: testrun.Outcome = stop.value
                break
    files = {p: r for p, r in outcome.files.items() if p in targets}
    elsewhere = sorted(set(outcome.files) - set(files))
    phase = outcome.phase
    if elsewhere:
        phase = phase.model_copy(
            update={
                "message": f"{phase.message} (failing outside the proposal: {', '.join(elsewhere)})"
            }
        )
    yield StageDone("tests", files=files, phase=[phase])
