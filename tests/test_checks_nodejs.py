"""Checks of a TypeScript project: npm dependencies installed once per package.json into a
cache, tsc, the project's lint and vitest — each failure at its file, line and column —
and a clear "not run" without Node.js."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from backend_agent.checks import nodejs
from backend_agent.core.checks import CheckOptions, CheckOutput

from .checks_support import StaticProvider
from .helpers import generate, start

PACKAGE = {
    "name": "calc",
    "version": "0.1.0",
    "private": True,
    "type": "module",
    "scripts": {"test": "vitest run", "lint": "eslint ."},
    "devDependencies": {
        "@eslint/js": "^9.36.0",
        "@types/node": "^20.19.0",
        "eslint": "^9.36.0",
        "typescript": "~5.9.3",
        "vitest": "^4.0.0",
    },
}
TSCONFIG = {
    "compilerOptions": {
        "target": "ES2022",
        "module": "NodeNext",
        "moduleResolution": "NodeNext",
        "strict": True,
        "skipLibCheck": True,
        "noEmit": True,
        "types": ["node"],
    },
    "include": ["src", "test"],
}
CALC = "export function add(a: number, b: number): number {\n  return a - b;\n}\n"
BAD_TYPE = 'export const count: number = "three";\n'
LINTED = "export function unused() {\n  const spare = 1;\n  return 2;\n}\n"
TEST = textwrap.dedent(
    """\
    import { expect, it } from "vitest";

    import { add } from "../src/calc.js";

    it("adds", () => {
      const total = add(2, 3);
      expect(total).toBe(5);
    });

    it("gets the throwaway database", () => {
      expect(process.env.TEST_DATABASE_URL).toMatch(/^postgres/);
      expect(process.env.DATABASE_URL).toBe(process.env.TEST_DATABASE_URL);
    });
    """
)
ESLINT = 'import js from "@eslint/js";\n\nexport default [js.configs.recommended];\n'


def project(**extra: str) -> dict[str, str]:
    return {
        "package.json": json.dumps(PACKAGE, indent=2) + "\n",
        "tsconfig.json": json.dumps(TSCONFIG, indent=2) + "\n",
        "eslint.config.js": ESLINT,
        "src/calc.ts": CALC,
        "src/count.ts": BAD_TYPE,
        "src/util.js": LINTED,
        "test/calc.test.ts": TEST,
        **extra,
    }


def phase_result(session, check: str):
    [found] = [r for r in session.record().checks.phase if r.check == check]
    return found


def file_results(session, path: str, check: str):
    return [r for r in session.record().checks.files[path].results if r.check == check]


@pytest.mark.slow
def test_a_typescript_project_is_installed_type_checked_linted_and_tested(repo, pg_env, node_env):
    with start(repo, provider=StaticProvider(project())) as session:
        generate(session, "service-layer")
        events = list(session.check(options=CheckOptions()))
        assert any(isinstance(e, CheckOutput) for e in events)  # vitest's output streamed

        typed = phase_result(session, "typescript")
        assert typed.status == "fail" and "1 error in 1 file" in typed.message
        [error] = file_results(session, "src/count.ts", "typescript")
        assert (error.line, error.column) == (1, 14)
        assert "TS2322" in error.message

        linted = phase_result(session, "lint")
        assert linted.status == "fail"
        [finding] = file_results(session, "src/util.js", "lint")
        assert (finding.line, finding.column) == (2, 9)
        assert "no-unused-vars" in finding.message

        tests = phase_result(session, "tests")
        assert tests.status == "fail" and "1 failed, 1 passed" in tests.message
        [failed] = file_results(session, "test/calc.test.ts", "tests")
        assert failed.line == 7  # expect(total).toBe(5)
        assert failed.message.startswith("adds failed")


@pytest.mark.slow
def test_a_fixed_project_passes_every_node_check(repo, pg_env, node_env):
    fixed = project(
        **{
            "src/calc.ts": CALC.replace("a - b", "a + b"),
            "src/count.ts": "export const count = 3;\n",
            "src/util.js": "export function used() {\n  return 2;\n}\n",
        }
    )
    with start(repo, provider=StaticProvider(fixed)) as session:
        generate(session, "service-layer")
        list(session.check(options=CheckOptions()))
        assert phase_result(session, "typescript").status == "pass"
        assert phase_result(session, "lint").status == "pass"
        passed = phase_result(session, "tests")
        assert passed.status == "pass" and passed.message.startswith("2 passed")


@pytest.mark.slow
def test_dependencies_are_installed_once_per_package_json(tmp_path, node_env):
    tools, _ = nodejs.toolchain()
    assert tools is not None
    roots = []
    for name in ("one", "two"):
        root = tmp_path / name
        root.mkdir()
        (root / "package.json").write_text(json.dumps(PACKAGE, indent=2) + "\n")
        roots.append(root)
    cache = tmp_path / "cache"
    first = nodejs.install(roots[0], tools, cache)
    assert first.how == "npm install"
    assert (first.folder / "package-lock.json").is_file()  # made by the first install
    second = nodejs.install(roots[1], tools, cache)
    assert (second.how, second.folder) == ("cached", first.folder)
    assert (roots[1] / "node_modules").resolve() == (first.folder / "node_modules").resolve()
    assert nodejs.binary(roots[1], "tsc") is not None
    # An emptied cache folder is refilled from the lock the first install made.
    import shutil

    shutil.rmtree(first.folder / "node_modules")
    (first.folder / ".installed").unlink()
    refilled = nodejs.install(roots[0], tools, cache)
    assert refilled.how == "npm ci"
    # Another project with the same dependencies shares the folder; other dependencies do not.
    renamed = dict(PACKAGE, name="calc-two", description="another project")
    (roots[1] / "package.json").write_text(json.dumps(renamed))
    assert nodejs.install(roots[1], tools, cache).folder == first.folder


def test_the_cache_key_follows_what_npm_installs():
    package = json.dumps(PACKAGE).encode()
    renamed = json.dumps(dict(PACKAGE, name="other", version="2.0.0")).encode()
    assert nodejs.cache_key(package, None) == nodejs.cache_key(renamed, None)
    more = dict(PACKAGE, devDependencies={**PACKAGE["devDependencies"], "eslint": "^9"})
    assert nodejs.cache_key(json.dumps(more).encode(), None) != nodejs.cache_key(package, None)
    assert nodejs.cache_key(package, b"{}") != nodejs.cache_key(package, None)  # its own lock
    assert nodejs.cache_key(b"not json", None) != nodejs.cache_key(b"not json!", None)


def test_without_node_the_checks_are_not_run_and_say_what_to_install(
    repo, pg_env, monkeypatch, tmp_path
):
    import shutil

    bare = tmp_path / "bin"  # git, but no node and no npm
    bare.mkdir()
    (bare / "git").symlink_to(shutil.which("git"))
    monkeypatch.setenv("PATH", str(bare))
    tools, message = nodejs.toolchain()
    assert tools is None
    assert "node and npm not found" in message and "apt-get install nodejs npm" in message
    with start(repo, provider=StaticProvider(project())) as session:
        generate(session, "service-layer")
        list(session.check(options=CheckOptions()))
        for check in ("typescript", "tests"):
            result = phase_result(session, check)
            assert result.status == "skipped" and "nodejs.org" in result.message


def test_vitest_failures_are_traced_to_the_test_file_and_line(tmp_path):
    root = tmp_path / "project"
    (root / "test").mkdir(parents=True)
    report = tmp_path / "report.json"
    report.write_text(
        json.dumps(
            {
                "numPassedTests": 3,
                "numFailedTests": 1,
                "numPendingTests": 2,
                "numFailedTestSuites": 1,
                "testResults": [
                    {
                        "name": str(root / "test/a.test.ts"),
                        "status": "failed",
                        "assertionResults": [
                            {
                                "title": "adds",
                                "fullName": "calc adds",
                                "status": "failed",
                                "failureMessages": [
                                    "AssertionError: expected -1 to be 5\n"
                                    f"    at {root}/test/a.test.ts:12:21\n"
                                    "    at node_modules/vitest/dist/x.js:1:1"
                                ],
                            },
                            {"title": "ok", "status": "passed"},
                        ],
                    },
                    {
                        "name": str(root / "test/b.test.ts"),
                        "status": "failed",
                        "message": "Cannot find module './missing.js'",
                        "assertionResults": [],
                    },
                ],
            }
        )
    )
    phase, files = nodejs.vitest_outcome(root, report, 1, 2.0)
    assert phase.status == "fail" and phase.message == "1 failed, 3 passed (1 file failed)"
    [failed] = files["test/a.test.ts"]
    assert (failed.line, failed.column) == (12, 21)
    assert failed.message == "calc adds failed: AssertionError: expected -1 to be 5"
    [broken] = files["test/b.test.ts"]
    assert "missing.js" in broken.message


def test_a_passing_vitest_report_counts_skips_and_a_missing_report_fails(tmp_path):
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"numPassedTests": 5, "numPendingTests": 1, "testResults": []}))
    phase, files = nodejs.vitest_outcome(tmp_path, report, 0, 1.5)
    assert (phase.status, phase.message, files) == ("pass", "5 passed, 1 skipped in 1.5 s", {})
    phase, _ = nodejs.vitest_outcome(tmp_path, tmp_path / "absent.json", 1, 1.0)
    assert phase.status == "fail" and "no report" in phase.message


def test_eslint_findings_come_from_its_json_report(tmp_path):
    report = [
        {
            "filePath": str(tmp_path / "src/a.ts"),
            "messages": [
                {
                    "line": 3,
                    "column": 5,
                    "severity": 2,
                    "message": "Promises must be awaited",
                    "ruleId": "@typescript-eslint/no-floating-promises",
                },
                {
                    "line": 9,
                    "column": 1,
                    "severity": 1,
                    "message": "Unexpected console",
                    "ruleId": "no-console",
                },
            ],
        },
        {
            "filePath": "/elsewhere/b.ts",
            "messages": [{"line": 1, "column": 1, "severity": 2, "message": "x"}],
        },
    ]
    found = nodejs._eslint_findings(tmp_path, json.dumps(report))
    assert [(p, r.status, r.line, r.column) for p, r in found] == [
        ("src/a.ts", "fail", 3, 5),
        ("src/a.ts", "warn", 9, 1),
    ]
    assert found[0][1].message.endswith("[@typescript-eslint/no-floating-promises]")
    assert nodejs._eslint_findings(tmp_path, "not json") is None


def test_a_node_project_without_a_suite_is_type_checked_and_says_so(repo, monkeypatch, tmp_path):
    """No vitest and no test script: the typecheck is reported (skipped: no typescript), and
    the test run says there is no suite — never a pass."""
    empty = {
        "package.json": json.dumps({"name": "bare", "version": "0.1.0"}),
        "src/a.ts": "export {};\n",
    }

    def install(root: Path, tools, root_cache=None):
        (root / "node_modules").mkdir()
        return nodejs.Installed(root / "node_modules", "cached", 0.0)

    monkeypatch.setattr(nodejs, "install", install)
    with start(repo, provider=StaticProvider(empty)) as session:
        generate(session, "service-layer")
        list(session.check(options=CheckOptions()))
        assert phase_result(session, "typescript").status == "skipped"
        tests = phase_result(session, "tests")
        assert tests.status == "skipped" and "no test suite" in tests.message
