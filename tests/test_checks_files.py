"""The file checks on their own: secrets, JSON/YAML/TOML and OpenAPI, Python (compile and a
real ruff), ADR structure and numbering, Markdown links. Each has a passing and a failing
case, and failures carry the line (and column) a person needs to find them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from backend_agent.checks import adr, links, pycode, secrets, structured


def statuses(results) -> list[tuple[str, str]]:
    return [(r.check, r.status) for r in results]


# --------------------------------------------------------------------------- secrets
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1c2\n-----END RSA PRIVATE KEY-----\n"


@pytest.mark.parametrize(
    ("path", "content", "line", "kind"),
    [
        ("deploy/key.pem", "# deploy key\n" + PEM, 2, "a private key"),
        ("app/aws.py", 'KEY_ID = "AKIA' + "Q" * 16 + '"\n', 1, "an AWS access key id"),
        (
            "creds.json",
            '{\n  "type": "service_account",\n  "project_id": "x"\n}\n',
            2,
            "a Google Cloud service account key",
        ),
        ("ci.yaml", "env:\n  TOKEN: ghp_" + "a1B2" * 9 + "\n", 2, "a GitHub token"),
        (
            "notify.py",
            "\n\nWEBHOOK = 'xoxb-" + "1234567890-abcdefghijk" + "'\n",
            3,
            "a Slack token",
        ),
        ("llm.py", 'client = Client(api_key="sk-ant-' + "api03-" + "x1y2z3" * 5 + '")\n', 1, ""),
        ("pay.py", 'stripe.api_key = "sk_live_' + "4eC39HqLyjWDarjtT1zdp7dc" + '"\n', 1, ""),
        ("app/settings.py", 'DEBUG = False\npassword = "Tr0ub4dor&3"\n', 2, "a hard-coded"),
        ("app/config.py", 'jwt_secret: str = "a-long-signing-secret"\n', 1, "a hard-coded"),
    ],
)
def test_secrets_fail_with_the_line_and_never_repeat_the_secret(path, content, line, kind):
    results = secrets.check(path, content)
    assert results[0].status == "fail" and results[0].line == line
    assert results[0].message.startswith(kind)
    secret = content.split('"')[1] if '"' in content else "MIIEpAIBAAKCAQEA1c2"
    assert all(secret not in r.message for r in results)


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("app/settings.py", 'password = os.environ["DB_PASSWORD"]\n'),
        ("app/settings.py", 'password = "changeme"\npassword = "<your password>"\n'),
        ("app/settings.py", 'secret_key = "${SECRET_KEY}"\ntoken_type = "bearer"\n'),
        ("app/settings.py", 'if password == "letmein":\n    pass\n'),
        ("tests/test_auth.py", 'PASSWORD = "correct horse battery"\n'),
        ("docs/api.md", 'curl -d \'{"password": "hunter22x"}\'\n'),
        ("docs/aws.md", "Keys look like AKIAIOSFODNN7EXAMPLE.\n"),
    ],
)
def test_placeholders_env_lookups_tests_and_docs_are_not_secrets(path, content):
    assert statuses(secrets.check(path, content)) == [("secrets", "pass")]


# ------------------------------------------------------------------- structured files
@pytest.mark.parametrize(
    ("path", "content", "check", "line", "column"),
    [
        ("config/app.json", '{\n  "a": 1,\n  "b": \n}\n', "json", 4, 1),
        ("config/app.yaml", "server:\n  port: 8000\n host: x\n", "yaml", 3, 2),
        ("pyproject.toml", '[project]\nname = "x"\nversion = 1.2.3\n', "toml", 3, 14),
    ],
)
def test_structured_files_that_do_not_parse_fail_at_their_line(path, content, check, line, column):
    [result] = structured.check(path, content)
    assert (result.check, result.status, result.line, result.column) == (
        check,
        "fail",
        line,
        column,
    )
    assert result.message.startswith(f"not valid {check.upper()}")


def test_structured_files_that_parse_pass():
    assert statuses(structured.check("a.json", '{"a": [1, 2]}')) == [("json", "pass")]
    assert statuses(structured.check("a.yml", "a: 1\n---\nb: 2\n")) == [("yaml", "pass")]
    assert statuses(structured.check("a.toml", "[x]\ny = 1\n")) == [("toml", "pass")]
    assert structured.check("a.txt", "anything") == []


OPENAPI = """\
openapi: 3.1.0
info: {title: Bookmarks, version: "1.0"}
paths:
  /bookmarks/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getBookmark
      responses:
        "200":
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Bookmark"}
        "404": {description: not found}
components:
  schemas:
    Bookmark: {type: object}
"""


def test_an_openapi_document_validates():
    assert statuses(structured.check("openapi.yaml", OPENAPI)) == [
        ("yaml", "pass"),
        ("openapi", "pass"),
    ]


def test_an_openapi_document_with_structural_errors_fails_on_each():
    broken = (
        OPENAPI.replace("required: true", "required: false")
        .replace("#/components/schemas/Bookmark", "#/components/schemas/Missing")
        .replace('"404"', '"4044"')
        .replace("/bookmarks/{id}:", "/bookmarks/{id}/tags/{tag}:")
    )
    messages = [r.message for r in structured.check("openapi.yaml", broken) if r.status == "fail"]
    assert any("path parameter 'tag' is not declared" in m for m in messages)
    assert any("'id' must have required: true" in m for m in messages)
    assert any("'#/components/schemas/Missing' points at nothing" in m for m in messages)
    assert any("'4044' is not a status code" in m for m in messages)
    missing_info = structured.check("api.json", '{"openapi": "3.0.3", "paths": {}}')
    assert [r.message for r in missing_info if r.check == "openapi"] == [
        "info: missing (an object with title and version)"
    ]


# ---------------------------------------------------------------------------- Python
def test_a_python_syntax_error_fails_at_its_line_and_column():
    [result] = pycode.compile_check("app/main.py", "import os\n\ndef f(:\n    pass\n")
    assert (result.status, result.line, result.column) == ("fail", 3, 7)
    assert result.message.startswith("SyntaxError: ")
    assert statuses(pycode.compile_check("app/ok.py", "x = 1\n")) == [("python.compile", "pass")]


def test_ruff_fails_broken_code_and_warns_on_style_in_the_projects_own_config(tmp_path: Path):
    assert pycode.ruff_binary() is not None, "ruff is a runtime dependency"
    (tmp_path / "app").mkdir()
    # The project selects only isort: the pyflakes rules are on all the same.
    (tmp_path / "pyproject.toml").write_text('[tool.ruff.lint]\nselect = ["I"]\n')
    (tmp_path / "app" / "bad.py").write_text("import sys\nimport os\n\nx = undefined\n")
    (tmp_path / "app" / "good.py").write_text("import os\n\nprint(os.sep)\n")
    found = pycode.ruff_check(tmp_path, ["app/bad.py", "app/good.py"])
    codes = {(r.message.split()[0], r.line, r.status) for r in found["app/bad.py"]}
    assert {("I001", 1, "warn"), ("F401", 1, "fail"), ("F821", 4, "fail")} <= codes
    assert statuses(found["app/good.py"]) == [("python.ruff", "pass")]


def test_without_ruff_the_style_check_says_so_instead_of_passing(tmp_path, monkeypatch):
    monkeypatch.setattr(pycode, "ruff_binary", lambda: None)
    [note] = pycode.ruff_check(tmp_path, ["a.py"])["a.py"]
    assert (note.status, note.message) == ("skipped", "ruff not installed: style not checked")


# ------------------------------------------------------------------------------ ADRs
def madr(number: int, title: str, status: str = "accepted", drop: str = "") -> str:
    text = textwrap.dedent(
        f"""\
        ---
        status: {status}
        date: 2026-01-01
        ---

        # {number}. {title}

        ## Context and Problem Statement

        Why.

        ## Considered Options

        * A
        * B

        ## Decision Outcome

        Chosen option: "A".

        ### Consequences

        * Good, because it is simple
        """
    )
    return text.replace(drop, "") if drop else text


def test_a_madr_adr_passes_and_one_without_options_fails():
    known = links.with_folders(["docs/adr/0001-a.md"])
    assert statuses(adr.structure("docs/adr/0001-a.md", madr(1, "A"), known)) == [
        ("adr.structure", "pass")
    ]
    bad = madr(1, "A", drop="## Considered Options\n")
    [result] = adr.structure("docs/adr/0001-a.md", bad, known)
    assert result.status == "fail" and "missing MADR section: considered options" in result.message


def test_a_superseded_adr_must_link_an_adr_that_exists():
    known = links.with_folders(["docs/adr/0001-a.md", "docs/adr/0002-b.md"])
    good = madr(1, "A", status='"superseded by [ADR-0002](0002-b.md)"')
    assert statuses(adr.structure("docs/adr/0001-a.md", good, known)) == [("adr.structure", "pass")]
    bad = madr(1, "A", status='"superseded by [ADR-0003](0003-c.md)"')
    [result] = adr.structure("docs/adr/0001-a.md", bad, known)
    assert result.status == "fail" and "docs/adr/0003-c.md" in result.message


def test_adr_numbering_gaps_and_duplicates_fail_on_the_proposed_files():
    branch = ["docs/adr/0001-a.md", "docs/adr/0002-b.md"]
    found = adr.numbering([*branch, "docs/adr/0004-d.md"], proposed={"docs/adr/0004-d.md"})
    [gap] = found["docs/adr/0004-d.md"]
    assert gap.status == "fail" and "0003" in gap.message and "missing before 0004" in gap.message
    found = adr.numbering([*branch, "docs/adr/0002-again.md"], {"docs/adr/0002-again.md"})
    [twice] = found["docs/adr/0002-again.md"]
    assert twice.status == "fail" and "used by docs/adr/0002-again.md, docs/adr/0002-b.md" in (
        twice.message
    )
    found = adr.numbering([*branch, "docs/adr/0003-c.md"], {"docs/adr/0003-c.md"})
    assert statuses(found["docs/adr/0003-c.md"]) == [("adr.numbering", "pass")]


def test_deleting_an_adr_in_the_middle_is_blamed_for_the_gap():
    found = adr.numbering(
        ["docs/adr/0001-a.md", "docs/adr/0003-c.md"], {"docs/adr/0002-b.md"}, ["docs/adr/0002-b.md"]
    )
    assert found["docs/adr/0002-b.md"][0].status == "fail"


# ----------------------------------------------------------------------------- links
def test_relative_links_resolve_against_the_tree_and_broken_ones_fail_with_position():
    known = links.with_folders(["README.md", "docs/adr/0001-a.md", "migrations/0001_init.sql"])
    text = textwrap.dedent(
        """\
        # Data model
        The schema is in [0001](../migrations/0001_init.sql), decisions in [adr](adr/).
        See [the runbook](runbooks/deploy.md#steps) and [home](https://example.com).

        ```
        [not a link](nowhere.md)
        ```
        [up]: ../README.md
        """
    )
    [broken] = links.check("docs/data-model.md", text, known)
    assert (broken.status, broken.line, broken.column) == ("fail", 3, 19)
    assert "docs/runbooks/deploy.md is not in the branch or the proposal" in broken.message
    fixed = text.replace("runbooks/deploy.md#steps", "adr/0001-a.md#context")
    assert statuses(links.check("docs/data-model.md", fixed, known)) == [("links", "pass")]
    [outside] = links.check("README.md", "[x](../../etc/passwd)\n", known)
    assert "points outside the repository" in outside.message
