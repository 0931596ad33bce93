"""docs/security-review.md for the TypeScript service: the shared review (OWASP API Top 10,
item by item), pointing at this target's files, symbols and tests."""

from __future__ import annotations

from ..service.api import Api, Resource
from ..service.security_review import Where, review
from .names import module_dir, pascal, routes_function, suite_file

# The Python suite's test names, as this suite's `it(...)` titles say them.
TEST_TITLES = {
    "rows_of_others_are_not_found": "rows of others are not found",
    "public_rows_are_readable_by_anyone_but_changed_only_by_their_owner": "public rows are "
    "readable by anyone but changed only by their owner",
    "fields_the_client_may_not_set_are_refused": "refuses fields the client may not set",
    "each_kind_of_caller_gets_what_the_brief_allows": "each kind of caller gets what the brief "
    "allows",
    "rows_that_are_not_public_are_seen_only_by_those_who_may_change_them": "rows that are not "
    "public are seen only by those who may change them",
}
METHODS = {"_check_references": "checkReferences"}
FUNCTIONS = {"delete": "remove"}


class TypeScriptPlaces(Where):
    CODE = {
        "verify_password": "src/passwords.ts::Hasher.verify",
        "sign_up": "src/modules/accounts/routes.ts::accountRoutes",
        "auth_limit": "src/infra/auth-limit.ts::installAuthLimit",
        "auth_tests": "test/auth.test.ts",
        "hash_slot_test": "test/passwords.test.ts::answers 503 busy when every hashing slot stays taken",
        "auth_limit_tests": "test/infra-auth-limit.test.ts",
        "client_address": "src/infra/clients.ts::clientAddress",
        "content_type": "src/app.ts::buildApp (JSON bodies only)",
        "content_type_test": "test/errors.test.ts::a body that is not JSON at all is refused with 415",
        "metrics_route": "src/hardening/metrics.ts::installMetrics",
        "metrics_token_test": "test/hardening-metrics.test.ts::keeps the metrics to scrapers when "
        "METRICS_TOKEN is set",
        "metrics_labels_test": "test/hardening-metrics.test.ts::keeps labels bounded whatever "
        "methods and paths clients send",
        "shared_redis": "src/infra/index.ts::fallingBack",
        "identify": "src/auth.ts::identify",
        "settings_rules": "src/hardening/rules.ts::hardeningRules",
        "weak_secret_test": "test/hardening-config.test.ts::refuses a weak JWT secret outside development",
        "revoke_key": "src/modules/accounts/routes.ts::accountRoutes (DELETE /auth/keys/:key_id)",
        "log_out": "src/modules/accounts/routes.ts::accountRoutes (POST /auth/logout)",
        "user_out": "src/modules/accounts/schemas.ts::UserOut",
        "rate_limit": "src/infra/rate-limit.ts::installRateLimit",
        "body_limit": "src/hardening/index.ts::hardeningOptions (bodyLimit)",
        "max_limit": "src/pagination.ts::MAX_LIMIT",
        "deadline": "src/hardening/http.ts::installDeadline",
        "db_limits": "src/db.ts::createPool",
        "rate_limit_tests": "test/infra-rate-limit.test.ts",
        "body_limit_test": "test/hardening-http.test.ts::refuses bodies over the limit with 413",
        "deadline_test": "test/hardening-http.test.ts::answers 504 to a request past the deadline",
        "buckets": "src/infra/rate-limit.ts::MemoryBuckets",
        "url_pattern": "src/fields.ts::URL_PATTERN",
        "security_headers": "src/hardening/http.ts::installSecurityHeaders",
        "hardening": "src/hardening/index.ts::installHardening",
        "unexpected": "src/errors.ts::toProblem",
        "settings_tests": "test/hardening-config.test.ts",
        "headers_test": "test/hardening-http.test.ts::puts security headers on every answer",
        "cors_test": "test/hardening-http.test.ts::answers CORS for configured origins only",
        "app": "src/openapi.ts::installOpenApi",
        "redis_store": "src/infra/cache.ts::RedisStore",
        "access": "src/access.ts",
        "rules": "src/access.ts::RULES",
        "may": "src/access.ts::may",
        "sees": "src/access.ts::sees",
        "grant_role": "src/admin.ts::grantRole",
    }
    PHRASES = {
        "strict": "`z.strictObject`",
        "admin": "`npm run admin -- grant-role EMAIL ROLE` / `revoke-role`",
        "route_auth": 'in its schema (`auth: "required"` or `"optional"`, which src/auth.ts '
        "enforces and the OpenAPI document shows)",
    }

    def repo(self, r: Resource, function: str) -> str:
        return f"`{module_dir(r)}/repository.ts::{FUNCTIONS.get(function, function)}`"

    def service(self, r: Resource, method: str) -> str:
        if method.startswith("link_"):
            method = "link" + pascal(method.removeprefix("link_"))
        return f"`{module_dir(r)}/service.ts::{r.name}Service.{METHODS.get(method, method)}`"

    def model(self, r: Resource, suffix: str) -> str:
        return f"`{module_dir(r)}/schemas.ts::{r.name}{suffix}`"

    def route(self, r: Resource) -> str:
        return f"`{module_dir(r)}/routes.ts::{routes_function(r)}`"

    def test(self, r: Resource, name: str) -> str:
        return f"`{suite_file(r)}::{TEST_TITLES.get(name, name.replace('_', ' '))}`"


def security_review(api: Api) -> str:
    return review(api, TypeScriptPlaces())
