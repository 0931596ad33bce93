"""Phase 5's deployment files: a container image, a compose file with two replicas behind
a load balancer, Kubernetes manifests, and a CI workflow — each written for this service's
settings, probes and limits, and each checked by the generated suite with a real validator."""

from __future__ import annotations

import json

from .. import facts
from .api import Api
from .render import render

PORT = 8000
COMPOSE_SUBNET = "172.28.0.0/24"
SECRET_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


def _db(api: Api) -> str:
    return api.name.replace("-", "_")


def secret_names(api: Api) -> list[str]:
    """Settings that are secrets: they go in a Secret, never in a ConfigMap or an image."""
    return ["DATABASE_URL"] + (["JWT_SECRET"] if api.auth == "jwt" else []) + ["METRICS_TOKEN"]


def dockerfile(api: Api) -> str:
    return render("deploy/Dockerfile.tmpl", project=api.name, port=str(PORT))


def dockerignore() -> str:
    return "\n".join(
        [
            "# Only what the image needs goes into the build context.",
            ".git",
            ".github",
            ".env",
            ".env.*",
            "!.env.example",
            "**/__pycache__",
            "*.pyc",
            ".venv",
            ".pytest_cache",
            ".ruff_cache",
            "tests",
            "docs",
            "deploy",
            "",
        ]
    )


def compose(api: Api) -> str:
    db = _db(api)
    jwt = (
        ["    JWT_SECRET: ${JWT_SECRET:?set JWT_SECRET to 32+ random characters}"]
        if api.auth == "jwt"
        else []
    )
    return render(
        "deploy/compose.yaml.tmpl",
        project=api.name,
        db=db,
        port=str(PORT),
        subnet=COMPOSE_SUBNET,
        trusted=json.dumps([COMPOSE_SUBNET]),
        jwt_secret="\n".join(jwt) + ("\n" if jwt else ""),
    )


def nginx_conf(api: Api) -> str:
    return render("deploy/nginx.conf.tmpl", port=str(PORT), max_body=str(1_048_576))


def k8s(api: Api) -> dict[str, str]:
    brief = api.plan.brief
    hashing = facts.password_hashing(brief) if api.auth != "none" else None
    # Requests: the process, its pool and cache; limits add the hashes it may run at once.
    memory_request = 192 + (hashing.memory_mib if hashing else 0)
    memory_limit = 2 * memory_request
    rps = brief.targets.requests_per_second
    max_replicas = max(4, -(-2 * (rps or 0) // 250)) if rps else 6
    name, port = api.name, str(PORT)
    secret_lines = {
        "DATABASE_URL": f'  DATABASE_URL: "postgresql://{_db(api)}:change-me@postgres:5432/{_db(api)}"',
        "JWT_SECRET": f'  JWT_SECRET: "change-me: {SECRET_HINT}"',
        "METRICS_TOKEN": '  METRICS_TOKEN: "change-me"',
    }
    return {
        "deploy/k8s/configmap.yaml": render(
            "deploy/k8s/configmap.yaml.tmpl", project=name, port=port
        ),
        "deploy/k8s/secret.example.yaml": render(
            "deploy/k8s/secret.example.yaml.tmpl",
            project=name,
            entries="\n".join(secret_lines[n] for n in secret_names(api)),
        ),
        "deploy/k8s/deployment.yaml": render(
            "deploy/k8s/deployment.yaml.tmpl",
            project=name,
            port=port,
            metrics_path=api.metrics_path,
            pool_note=str(facts.pool_size(brief)),
            memory_request=f"{memory_request}Mi",
            memory_limit=f"{memory_limit}Mi",
        ),
        "deploy/k8s/service.yaml": render("deploy/k8s/service.yaml.tmpl", project=name),
        "deploy/k8s/hpa.yaml": render(
            "deploy/k8s/hpa.yaml.tmpl", project=name, max_replicas=str(max_replicas)
        ),
        "deploy/k8s/pdb.yaml": render("deploy/k8s/pdb.yaml.tmpl", project=name),
        "deploy/k8s/migrate-job.yaml": render("deploy/k8s/migrate-job.yaml.tmpl", project=name),
    }


def ci_workflow(api: Api) -> str:
    return render("deploy/ci.yml.tmpl", project=api.name, db=_db(api))


def deploy_test(api: Api) -> str:
    return render("deploy/test_deploy.py.tmpl", secrets=json.dumps(secret_names(api)))


def files(api: Api) -> dict[str, str]:
    return {
        "Dockerfile": dockerfile(api),
        ".dockerignore": dockerignore(),
        "compose.yaml": compose(api),
        "deploy/nginx.conf": nginx_conf(api),
        **k8s(api),
        ".github/workflows/ci.yml": ci_workflow(api),
        "tests/test_deploy.py": deploy_test(api),
    }
