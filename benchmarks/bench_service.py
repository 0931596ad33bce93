"""The generated service under load, against its brief's [targets].

The bookmarks example is built offline and served as two workers (`python -m app.serve`
twice, sharing a redis-server) over a PostgreSQL cluster of its own, in production mode:
real argon2id cost, rate limits and sign-in limits on. Load comes from many clients, each
with its own address behind the trusted proxy that the load generator plays, so every
client stays within its own limit, as real traffic would. Requests alternate between the
two workers over keep-alive connections.

Figures: GET of a list and POST of a new row, throughput and p99 against the targets, with
`GET /healthz` (no database, no limits) as the same run's baseline; and log-ins per second
with every limit on, against the log-in budget the password-hashing ADR sized.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from tests.generated_service import built, redis_server, serve, sign_in

from backend_agent.checks.postgres import find_binaries, start_cluster
from backend_agent.providers.offline import facts

from .harness import Figure

BRIEF = "bookmarks"
PASSWORD = "a long and careful passphrase"
CLIENTS = 48
PEOPLE = 600
SECONDS = 5.0


class Connection:
    """HTTP/1.1 with keep-alive over asyncio streams: cheap enough that the load generator
    is not what is measured."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def send(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        lines = [f"{method} {path} HTTP/1.1", "Host: bench", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        fields = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            fields[name.strip().lower()] = value.strip().lower()
        if fields.get(b"transfer-encoding") == b"chunked":
            while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                await reader.readexactly(size + 2)
            await reader.readuntil(b"\r\n")
        else:
            await reader.readexactly(int(fields.get(b"content-length", b"0")))
        close = fields.get(b"connection") == b"close"
        if close:
            writer.close()
            self.streams = None
        return status


async def _load(
    ports: list[int], make, seconds: float, rate: float | None = None, clients: int = CLIENTS
) -> tuple[list[float], dict[int, int]]:
    """Each client sends `make(client, n)` requests for `seconds`: back to back (the most
    the service answers), or paced so that all together send `rate` a second. Paced
    latency counts from when a request was due, so a slow answer that delays the next
    request is counted against the service, not hidden."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    start = time.perf_counter()
    stop = start + seconds

    async def client(index: int) -> None:
        conns = [Connection(port) for port in ports]
        n = 0
        while time.perf_counter() < stop:
            method, path, headers, body = make(index, n)
            due = time.perf_counter()
            if rate:
                due = start + (n * clients + index) / rate
                if due >= stop:
                    return
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
            status = await conns[n % len(conns)].send(method, path, headers, body)
            latencies.append(time.perf_counter() - due)
            statuses[status] = statuses.get(status, 0) + 1
            n += 1

    await asyncio.gather(*(client(i) for i in range(clients)))
    return latencies, statuses


def _p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98] * 1000


def _figures(name: str, most: list[float], paced: list[float], baseline: float, rps: int, p99: int):
    throughput = len(most) / SECONDS
    tail = _p99(paced)
    return [
        Figure(
            f"{name}: most answered, 2 workers",
            throughput,
            "r/s",
            "GET /healthz",
            baseline,
            target=f">= {rps} r/s (brief)",
            ok=throughput >= rps,
        ),
        Figure(
            f"{name}: p99 at {rps} r/s", tail, "ms", target=f"<= {p99} ms (brief)", ok=tail <= p99
        ),
    ]


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        root = Path(tmp)
        service = built(BRIEF, root / "service")
        brief = service.api.plan.brief
        binaries = find_binaries()
        assert binaries is not None, "no PostgreSQL binaries"
        cluster = start_cluster(binaries)
        stack.callback(cluster.stop)
        url = stack.enter_context(cluster.database("bench"))
        service.migrate(url)
        redis_url = stack.enter_context(redis_server(root))
        env = {"DATABASE_URL": url, "REDIS_URL": redis_url, "TRUSTED_PROXIES": '["127.0.0.1"]'}
        workers = [serve(service, env, root / f"worker{n}.log") for n in (1, 2)]
        for worker in workers:
            stack.callback(worker.stop)
        ports = [w.port for w in workers]
        resource = service.resource()
        bodies = [json.dumps(b).encode() for b in service.payloads(20_000)]
        accounts = [
            sign_in(ports[i % 2], f"bench{i}@example.com", f"10.1.0.{i}") for i in range(CLIENTS)
        ]

        def headers(index: int, auth: bool = True) -> dict[str, str]:
            out = {"X-Forwarded-For": f"10.1.0.{index}", "Content-Type": "application/json"}
            return {**out, **accounts[index]} if auth else out

        rps = brief.targets.requests_per_second or 50
        p99 = brief.targets.p99_latency_ms or 300

        health, _ = asyncio.run(
            _load(ports, lambda i, n: ("GET", "/healthz", headers(i, False), b""), SECONDS)
        )
        baseline = len(health) / SECONDS
        created: list[int] = []

        def post(i: int, n: int):
            created.append(1)
            return "POST", resource.path, headers(i), bodies[len(created) % len(bodies)]

        def get(i: int, n: int):
            return "GET", resource.path + "?limit=20", headers(i), b""

        writes, write_statuses = asyncio.run(_load(ports, post, SECONDS))
        paced_writes, paced_write_statuses = asyncio.run(_load(ports, post, SECONDS, rps))
        reads, read_statuses = asyncio.run(_load(ports, get, SECONDS))
        paced_reads, _ = asyncio.run(_load(ports, get, SECONDS, rps))
        hashing = facts.password_hashing(brief)
        # Log-ins of many people, each from an address of their own: within every limit, so
        # what is measured is the hashing capacity of two workers.
        people = asyncio.run(_sign_up(ports, PEOPLE + 1))
        # As many at once as the two workers have hashing slots, twice over.
        logins, login_statuses = asyncio.run(
            _load(
                ports,
                lambda i, n: _log_in(people[(i * 97 + n) % PEOPLE]),
                SECONDS,
                clients=4 * hashing.concurrency,
            )
        )
        # A flood: one address, one account (not used above), as fast as it can.
        flood, flood_statuses = asyncio.run(_load(ports, lambda i, n: _log_in(PEOPLE), SECONDS))
    figures = [
        Figure("GET /healthz: throughput, 2 workers (baseline)", baseline, "r/s"),
        *_figures(
            f"GET {resource.path} (own rows, cached)", reads, paced_reads, baseline, rps, p99
        ),
        *_figures(f"POST {resource.path}", writes, paced_writes, baseline, rps, p99),
    ]
    answered = login_statuses.get(200, 0) / SECONDS
    figures += [
        Figure(
            "log-ins/s, many people within the limits, 2 workers",
            answered,
            "/s",
            target=f">= {hashing.logins_per_second}/s (the budget the hashing ADR sized)",
            ok=answered >= hashing.logins_per_second,
        ),
        Figure(
            f"log-ins: p99, {4 * hashing.concurrency} at once",
            _p99(logins),
            "ms",
            target=f"<= {p99} ms (brief)",
            ok=_p99(logins) <= p99,
        ),
        Figure(f"log-ins: answers {dict(sorted(login_statuses.items()))}", len(logins), "req"),
    ]
    let_through = flood_statuses.get(401, 0) + flood_statuses.get(200, 0)
    limit = (
        facts.AUTH_LIMITS.account_burst + SECONDS * facts.AUTH_LIMITS.per_account_per_minute / 60
    )
    figures.append(
        Figure(
            f"a log-in flood from one address: let through of {len(flood)} "
            f"({dict(sorted(flood_statuses.items()))})",
            let_through,
            "req",
            target=f"<= {limit:.0f} (the per-account burst and refill)",
            ok=let_through <= limit + 1,
        )
    )
    figures.append(
        Figure(
            f"writes {dict(sorted(write_statuses.items()))}, paced "
            f"{dict(sorted(paced_write_statuses.items()))}, reads {dict(sorted(read_statuses.items()))}",
            len(writes) + len(reads),
            "req",
        )
    )
    return figures


def _log_in(index: int) -> tuple[str, str, dict[str, str], bytes]:
    body = {"email": f"person{index}@example.com", "password": PASSWORD}
    headers = {"X-Forwarded-For": _address(index), "Content-Type": "application/json"}
    return "POST", "/auth/login", headers, json.dumps(body).encode()


def _address(index: int) -> str:
    return f"10.2.{index // 250}.{index % 250}"


async def _sign_up(ports: list[int], count: int) -> list[int]:
    """`count` accounts, each signed up from its own address; their indexes."""
    conns = [Connection(port) for port in ports for _ in range(8)]
    queue = list(range(count))

    async def worker(conn: Connection) -> None:
        while queue:
            index = queue.pop()
            body = json.dumps({"email": f"person{index}@example.com", "password": PASSWORD})
            headers = {"X-Forwarded-For": _address(index), "Content-Type": "application/json"}
            status = await conn.send("POST", "/auth/signup", headers, body.encode())
            assert status == 202, status

    await asyncio.gather(*(worker(c) for c in conns))
    return list(range(count))
