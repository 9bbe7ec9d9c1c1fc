"""How fast the case-workflow API answers under 1, 10 and 50 concurrent clients, beside a bare
FastAPI endpoint on the same machine.

    .venv/bin/python bench/api.py                        # generate and run a small district first
    .venv/bin/python bench/api.py --home data/           # or a data home that has a warehouse
    .venv/bin/python bench/api.py --home H --clients 1,10,50 --requests 2000 --seconds 20
    .venv/bin/python bench/api.py --home H --workers 2 --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

It publishes the home's warehouse into a fresh case store — SQLite in a temporary folder, or with
`--postgres` a new database on that PostgreSQL server, dropped afterwards (the home's own store is
left alone) — adds an inspector and a reviewer, starts the API with `pension-audit serve`
(uvicorn; one process as in production, or `--workers N` on PostgreSQL) and the bare app
(bench/bare_app.py) with uvicorn, each on a free loopback port, and signs in through
`POST /auth/token` for bearer tokens.

Scenarios, each as an inspector with a bearer token:

- `GET /findings`: the first page, default filter and sort (largest amount first, 50 a page);
- `GET /persons/{ref}`: the person page, a different person each request (a fixed random sample,
  named by reference as the console's links name them);
- case action: `POST /cases/{id}/proposals` (the inspector proposes a suspension) then
  `POST /proposals/{id}/decision` (the reviewer rejects it), over and over, one case per
  client. Chosen because it is the casework's own write path and repeatable without end:
  each request takes SQLite's write lock (BEGIN IMMEDIATE), checks role and township scope,
  the case's optimistic version, the one-pending-proposal rule and four eyes (proposer is
  not the reviewer), computes the hold terms from the published hold recommendations, bumps
  the case version and appends to the audit log; a rejection leaves the case open, so the
  next proposal is allowed. Both requests are timed, as one scenario;
- the bare FastAPI app: `GET /ping` (`async def`) and `GET /ping-sync` (`def`, one trip
  through the threadpool as the API's routes make), the floor for this machine.

The load is a closed loop: N clients (asyncio tasks, one keep-alive connection each, httpx),
each sending its next request when the previous one answered, until `--requests` requests or
`--seconds` seconds, whichever comes first, after a warm-up. Any answer other than 2xx is an
error, counted and shown. For the reads it then offers a fixed rate below saturation
(`--rate-fraction` of the best closed-loop throughput; Poisson arrivals, latency from the
planned send time so a stall is not hidden), to show the latency an unsaturated server gives.

The load generator runs on the same machine as the server and competes with it for the
cores; the server's own CPU time per request (all its processes) is measured from /proc and
shown too. The figures are printed and written to docs/benchmarks.md with the machine they ran
on: the `## API` section for one process on SQLite, a section of its own for other set-ups. A script, not a test: figures depend on the machine and its load."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # before bench/, so that `api` is the package, not this file

import httpx
from sqlalchemy import create_engine, func, select, text

from bench.console import build_small, free_port
from bench.report import machine_info, machine_markdown, write_section
from casework.chain import seal_of
from casework.db import migrate, open_store, service_role, session_factory, transaction
from casework.models import Finding, Role
from casework.published import HoldRecommendation
from casework.services.persons import PersonRefs
from casework.services.users import add_user
from orchestration.publish import publish
from pension_audit.settings import Settings

PASSWORD = "bench password 1"
TARGET_P99_MS = 50  # findings list at 50 concurrent clients, district scale (issue 7)
PERSON_SAMPLE = 500


# ------------------------------------------------------------------------------ set-up


@dataclass
class Store:
    findings: int
    persons: list[str]  # references of a random sample of persons with findings
    case_findings: list[str]  # open findings of distinct persons, each with a hold recommendation
    person_count: int = 0


def prepare_store(home: Path, url: str) -> Store:
    engine = open_store(Settings(home=home, database_url=url))
    migrate(engine)
    publish(engine, home / "warehouse.duckdb")
    with session_factory(engine)() as s:
        findings = s.scalar(select(func.count()).select_from(Finding)) or 0
        persons = list(
            s.scalars(
                select(Finding.person_id).where(Finding.person_id.is_not(None)).distinct().order_by(Finding.person_id)
            )
        )
        holdable = select(HoldRecommendation.finding_key).distinct().scalar_subquery()
        first_key = (
            select(func.min(Finding.finding_key))
            .where(Finding.person_id.is_not(None), Finding.status == "open", Finding.finding_key.in_(holdable))
            .group_by(Finding.person_id)
            .order_by(Finding.person_id)
        )
        case_findings = list(s.scalars(first_key))
    with transaction(session_factory(engine, writing=True)) as s:
        add_user(s, "jingban", "张经办", Role.inspector, PASSWORD, None)
        add_user(s, "fuhe", "王复核", Role.reviewer, PASSWORD, None)
    engine.dispose()
    refs = PersonRefs(seal_of(engine).key("person-ref"))  # URLs name persons by reference
    rng = random.Random(7)
    sample = [refs.ref(p) or "" for p in rng.sample(persons, min(PERSON_SAMPLE, len(persons)))]
    rng.shuffle(case_findings)
    engine.dispose()
    return Store(findings, sample, case_findings, len(persons))


class Server:
    """A server in its own process, on a free loopback port."""

    def __init__(self, argv: list[str], port: int, env: dict[str, str], health: str) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 180  # a loaded machine starts slowly
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"server exited with {self.process.returncode}: {' '.join(argv)}")
            try:
                if httpx.get(self.base + health).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"server did not answer {health} within 180 s")
            time.sleep(0.1)

    def cpu_seconds(self) -> float:
        """User + system CPU time so far of the server process and its worker processes
        (uvicorn --workers), from Linux /proc."""
        total = 0.0
        for pid in (self.process.pid, *_children(self.process.pid)):
            fields = _stat(pid)
            if fields is None:
                return float("nan") if pid == self.process.pid else total
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


@contextmanager
def postgres_database(server: str) -> Iterator[str]:
    """A fresh database on the PostgreSQL server of `server` (a URL), dropped afterwards."""
    name = f"pa_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f'DROP ROLE IF EXISTS "{service_role(url)}"'))
        admin.dispose()


def sign_in(base: str, username: str) -> str:
    r = httpx.post(f"{base}/auth/token", data={"username": username, "password": PASSWORD}, timeout=30)
    r.raise_for_status()
    return r.json()["access_token"]


# ------------------------------------------------------------------------------ load


@dataclass
class Sample:
    ms: float
    status: int  # 0: no answer (timeout, connection error)


@dataclass
class Result:
    scenario: str
    clients: int | str  # a number, or 'rate N/s' for the fixed-rate runs
    samples: list[Sample]
    seconds: float
    server_cpu: float  # seconds of the server's CPU during the run
    client_cpu: float  # seconds of this process's CPU during the run
    errors: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.errors = Counter(s.status for s in self.samples if not 200 <= s.status < 300)

    @property
    def count(self) -> int:
        return len(self.samples)

    def pct(self, p: float) -> float:
        times = sorted(s.ms for s in self.samples)
        if not times:
            return float("nan")
        return times[min(len(times) - 1, max(0, int(p / 100 * len(times) + 0.999999) - 1))]

    @property
    def throughput(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def server_ms_per_request(self) -> float:
        return 1000 * self.server_cpu / self.count if self.count else float("nan")


class Answer:
    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code, self.content = status_code, content

    def json(self):
        return json.loads(self.content)


class RawClient:
    """HTTP/1.1 over one keep-alive asyncio connection, one request at a time: the least a
    client can spend per request (httpx spends about as much CPU per request as the server's
    bare endpoint, on the same cores). Enough for uvicorn's answers: Content-Length or chunked."""

    def __init__(self, base: str) -> None:
        url = urlsplit(base)
        self.host, self.port = url.hostname, url.port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        return await self.request("GET", path, headers)

    async def post(self, path: str, headers: dict[str, str] | None = None, json: object = None) -> Answer:
        return await self.request("POST", path, headers, json)

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: object = None
    ) -> Answer:
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {quote(path, safe='/?=&%')} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        reused = self.writer is not None
        try:
            return await self._exchange(head, payload)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            if reused and not getattr(exc, "partial", b""):
                # A kept-alive connection the server closed while idle (uvicorn: after 5 s):
                # send again on a new one, as any HTTP client does.
                return await self._exchange(head, payload)
            raise

    async def _exchange(self, head: list[str], payload: bytes) -> Answer:
        try:
            async with asyncio.timeout(30):
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
                status, fields = self._head(await self.reader.readuntil(b"\r\n\r\n"))
                if fields.get("transfer-encoding") == "chunked":
                    content = b""
                    while size := int((await self.reader.readuntil(b"\r\n"))[:-2], 16):
                        content += (await self.reader.readexactly(size + 2))[:-2]
                    await self.reader.readuntil(b"\r\n")
                else:
                    content = await self.reader.readexactly(int(fields.get("content-length", 0)))
        except BaseException:
            await self.aclose()
            raise
        if fields.get("connection") == "close":
            await self.aclose()
        return Answer(status, content)

    @staticmethod
    def _head(raw: bytes) -> tuple[int, dict[str, str]]:
        lines = raw.decode("latin-1").split("\r\n")
        fields = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
        return int(lines[0].split(" ", 2)[1]), fields

    async def aclose(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


class RawPool:
    """For the fixed-rate runs: a RawClient per request in flight, reused when idle."""

    def __init__(self, base: str) -> None:
        self.base, self.idle = base, []

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        client = self.idle.pop() if self.idle else RawClient(self.base)
        try:
            return await client.get(path, headers)
        finally:
            self.idle.append(client)

    async def aclose(self) -> None:
        for client in self.idle:
            await client.aclose()


Client = RawClient | RawPool | httpx.AsyncClient
TRANSPORT_ERRORS = (
    httpx.HTTPError,
    OSError,
    asyncio.IncompleteReadError,
    asyncio.LimitOverrunError,
    TimeoutError,
    ValueError,
)
CLIENT = "raw"  # or 'httpx' (--client)
# One operation of a client: its requests' samples. A client's state lives in its closure.
Operation = Callable[[Client], Awaitable[list[Sample]]]


async def timed(send: Awaitable[Answer | httpx.Response]) -> tuple[Sample, Answer | httpx.Response | None]:
    t = time.perf_counter()
    try:
        r = await send
    except TRANSPORT_ERRORS:
        return Sample((time.perf_counter() - t) * 1000, 0), None
    return Sample((time.perf_counter() - t) * 1000, r.status_code), r


def new_client(base: str, connections: int = 1) -> Client:
    if CLIENT == "raw":
        return RawClient(base) if connections == 1 else RawPool(base)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base, limits=limits, timeout=30)


async def closed_loop(
    base: str, operations: list[Operation], requests: int, seconds: float
) -> tuple[list[Sample], float]:
    """Each operation is one client; all run until `requests` samples or `seconds` passed."""
    samples: list[Sample] = []
    clients = [new_client(base) for _ in operations]
    deadline = time.perf_counter() + seconds

    async def run(op: Operation, client: Client) -> None:
        while len(samples) < requests and time.perf_counter() < deadline:
            samples.extend(await op(client))

    start = time.perf_counter()
    try:
        await asyncio.gather(*(run(op, c) for op, c in zip(operations, clients, strict=True)))
    finally:
        elapsed = time.perf_counter() - start
        await asyncio.gather(*(c.aclose() for c in clients))
    return samples, elapsed


async def fixed_rate(
    base: str, op: Operation, rate: float, requests: int, seconds: float
) -> tuple[list[Sample], float]:
    """Open loop: requests arrive at `rate` a second (Poisson), whether or not earlier ones
    answered; each one's latency counts from when it was due."""
    samples: list[Sample] = []
    client = new_client(base, connections=200)
    rng = random.Random(11)
    count = min(requests, max(1, int(rate * seconds)))
    start = time.perf_counter()
    due, tasks = start, []

    async def one(planned: float) -> None:
        got = await op(client)
        late = (time.perf_counter() - planned) * 1000
        samples.extend(Sample(late, s.status) for s in got)

    for _ in range(count):
        due += rng.expovariate(rate)
        pause = due - time.perf_counter()
        if pause > 0:
            await asyncio.sleep(pause)
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    await client.aclose()
    return samples, elapsed


# ------------------------------------------------------------------------------ scenarios


def get(path: str | Callable[[], str], token: str | None = None) -> Callable[[int], Operation]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def make(_index: int) -> Operation:
        async def op(client: Client) -> list[Sample]:
            sample, _r = await timed(client.get(path() if callable(path) else path, headers=headers))
            return [sample]

        return op

    return make


class CaseActions:
    """One case per client: the inspector proposes a suspension, the reviewer rejects it."""

    def __init__(self, base: str, inspector: str, reviewer: str, finding_keys: list[str]) -> None:
        self.base = base
        self.inspector = {"Authorization": f"Bearer {inspector}"}
        self.reviewer = {"Authorization": f"Bearer {reviewer}"}
        self.candidates = iter(finding_keys)
        self.cases: list[dict[str, int]] = []  # id and version, one per client

    def ensure(self, clients: int) -> None:
        """Open cases (through the API) until there is one per client, each checked to take a
        proposal and a rejection."""
        with httpx.Client(base_url=self.base, timeout=30) as c:
            while len(self.cases) < clients:
                key = next(self.candidates, None)
                if key is None:
                    raise SystemExit(f"not enough findings with a hold recommendation for {clients} cases")
                r = c.post("/cases", json={"finding_key": key, "reason": "基准测试立案"}, headers=self.inspector)
                r.raise_for_status()
                case = {"id": r.json()["id"], "version": r.json()["version"]}
                p = c.post(
                    f"/cases/{case['id']}/proposals",
                    headers=self.inspector,
                    json={"kind": "suspension", "case_version": case["version"], "reason": "基准测试"},
                )
                if p.status_code != 201:
                    continue  # nothing to hold on this case after all: take another
                d = c.post(
                    f"/proposals/{p.json()['id']}/decision",
                    headers=self.reviewer,
                    json={"approve": False, "version": p.json()["version"], "note": "基准测试：驳回"},
                )
                d.raise_for_status()
                case["version"] = c.get(f"/cases/{case['id']}", headers=self.inspector).json()["version"]
                self.cases.append(case)

    def make(self, index: int) -> Operation:
        case = self.cases[index]

        async def op(client: Client) -> list[Sample]:
            proposed, r = await timed(
                client.post(
                    f"/cases/{case['id']}/proposals",
                    headers=self.inspector,
                    json={"kind": "suspension", "case_version": case["version"], "reason": "基准测试"},
                )
            )
            if r is None or r.status_code != 201:
                await self._resync(client, case)
                return [proposed]
            proposal = r.json()
            decided, r = await timed(
                client.post(
                    f"/proposals/{proposal['id']}/decision",
                    headers=self.reviewer,
                    json={"approve": False, "version": proposal["version"], "note": "基准测试：驳回"},
                )
            )
            if r is None or r.status_code != 200:
                await self._resync(client, case)
            else:
                case["version"] += 2  # the proposal and the decision each move the case on
            return [proposed, decided]

        return op

    async def _resync(self, client: Client, case: dict[str, int]) -> None:
        """After an error, carry on from the case as it is (not timed)."""
        r = await client.get(f"/cases/{case['id']}", headers=self.inspector)
        body = r.json()
        case["version"] = body["version"]
        for p in body.get("proposals", []):
            if p["status"] == "pending":
                await client.post(
                    f"/proposals/{p['id']}/decision",
                    headers=self.reviewer,
                    json={"approve": False, "version": p["version"]},
                )
                case["version"] = (await client.get(f"/cases/{case['id']}", headers=self.inspector)).json()["version"]


@dataclass
class Scenario:
    name: str
    server: Server
    make: Callable[[int], Operation]
    open_loop: bool = True  # also measured at a fixed rate
    prepare: Callable[[int], None] | None = None


def run(coroutine):
    """On uvloop when it is there, as the server is: less of the shared CPU for the client."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def measure(scenario: Scenario, clients: int, args: argparse.Namespace) -> Result:
    if scenario.prepare:
        scenario.prepare(clients)
    ops = [scenario.make(i) for i in range(clients)]
    base = scenario.server.base
    run(closed_loop(base, ops, args.warmup, args.seconds))  # warm-up, discarded
    cpu, own = scenario.server.cpu_seconds(), time.process_time()
    samples, elapsed = run(closed_loop(base, ops, args.requests, args.seconds))
    return Result(
        scenario.name, clients, samples, elapsed, scenario.server.cpu_seconds() - cpu, time.process_time() - own
    )


def measure_rate(scenario: Scenario, rate: float, args: argparse.Namespace) -> Result:
    op = scenario.make(0)
    cpu, own = scenario.server.cpu_seconds(), time.process_time()
    samples, elapsed = run(fixed_rate(scenario.server.base, op, rate, args.requests, args.seconds))
    return Result(
        scenario.name, f"{rate:.0f}/s", samples, elapsed, scenario.server.cpu_seconds() - cpu, time.process_time() - own
    )


# ------------------------------------------------------------------------------ report


HEADER = (
    "场景 scenario",
    "并发 clients",
    "请求 requests",
    "错误 errors",
    "p50 ms",
    "p99 ms",
    "max ms",
    "吞吐 req/s",
    "服务端 CPU ms/req",
    "压测端 CPU ms/req",
)


def row(r: Result) -> tuple[str, ...]:
    errors = ", ".join(f"{n}×{code or 'no answer'}" for code, n in sorted(r.errors.items())) or "0"
    return (
        r.scenario,
        str(r.clients),
        str(r.count),
        errors,
        f"{r.pct(50):.1f}",
        f"{r.pct(99):.1f}",
        f"{r.pct(100):.1f}",
        f"{r.throughput:.0f}",
        f"{r.server_ms_per_request:.2f}",
        f"{1000 * r.client_cpu / r.count if r.count else float('nan'):.2f}",
    )


WIDTHS = (30, 12, 14, 14, 8, 8, 8, 11, 18, 18)


def line(cells: tuple[str, ...]) -> str:
    return "  ".join(
        c + " " * (w - _width(c)) if i == 0 else " " * (w - _width(c)) + c
        for i, (c, w) in enumerate(zip(cells, WIDTHS, strict=True))
    )


def print_table(results: list[Result]) -> None:
    print(line(HEADER))
    for r in results:
        print(line(row(r)))


def _width(text: str) -> int:
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)


def markdown_table(results: list[Result]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row(r)) + " |" for r in results]
    return "\n".join(lines)


def section(
    results: list[Result], rates: list[Result], store: Store, home: Path, args: argparse.Namespace, cores: str
) -> str:
    def find(name: str, clients: int) -> Result | None:
        return next((r for r in results if r.scenario == name and r.clients == clients), None)

    top = max(int(c) for c in args.clients.split(","))
    fl, ping, sync = find(FINDINGS, top), find(PING, top), find(PING_SYNC, top)
    verdict = []
    if fl:
        met = fl.pct(99) <= TARGET_P99_MS and not fl.errors
        verdict.append(
            f"- 目标：疑点清单在 50 个并发客户端下 p99 ≤ {TARGET_P99_MS} ms（区县规模）。本次 {top} 个并发："
            f"p99 **{fl.pct(99):.1f} ms**，{fl.throughput:.0f} req/s —— {'达标 met' if met else '未达标 not met'}。"
        )
    if ping and fl:
        verdict.append(
            f"- 同一台机器上的空 FastAPI 端点 bare FastAPI `/ping`（async）：{top} 个并发 p99 "
            f"{ping.pct(99):.1f} ms，{ping.throughput:.0f} req/s，服务端每请求 CPU "
            f"{ping.server_ms_per_request:.2f} ms"
            + (
                f"；`/ping-sync`（def，经线程池）：p99 {sync.pct(99):.1f} ms，{sync.throughput:.0f} req/s，"
                f"{sync.server_ms_per_request:.2f} ms CPU"
                if sync
                else ""
            )
            + "。"
        )
        # Each process holds one core at most (the GIL); the machine has `cores`.
        lanes = min(args.workers, int(cores)) if cores.isdigit() else args.workers
        per = fl.server_ms_per_request / lanes
        verdict.append(
            f"- 闭环压测下 p99 ≈ 并发数 × 每请求服务端耗时：疑点清单每请求服务端 CPU "
            f"{fl.server_ms_per_request:.2f} ms，{args.workers} 个 uvicorn 进程（每进程 GIL，一核）最多约 "
            f"{1000 / per:.0f} req/s；{top} 个客户端排队，p99 至少约 "
            f"{top * per:.0f} ms。"
            f"In a closed loop p99 is about clients × server time per request: the findings list costs "
            f"{fl.server_ms_per_request:.2f} ms of server CPU, so {args.workers} process(es) top out near "
            f"{1000 / per:.0f} req/s and {top} clients queue for ~{top * per:.0f} ms."
        )
    rate_text = ""
    if rates:
        rate_text = (
            "\n\n### 固定到达率（开环，低于饱和） Fixed offered rate, below saturation\n\n"
            f"请求按泊松过程以闭环最高吞吐的 {args.rate_fraction:.0%} 到达，不等前一个请求返回；延迟从计划发送时刻算起。"
            "Requests arrive (Poisson) at the stated rate whether or not earlier ones have answered; "
            "latency counts from when each was due.\n\n" + markdown_table(rates)
        )
    lines = [
        machine_markdown(),
        (
            f"- 数据 data: `{home}`：{store.findings:,} 条疑点，{store.person_count:,} 名人员 "
            f"(findings, persons)；案件库 case store: {store_words(args)}"
        ),
        (
            f"- 负载 load: 闭环 closed loop，每个客户端一条 keep-alive 连接（客户端 {args.client}"
            f"{'：极简 HTTP/1.1 客户端，每请求 CPU 远低于 httpx' if args.client == 'raw' else ''}），每档最多 "
            f"{args.requests:,} 个请求或 {args.seconds:g} 秒，先预热 {args.warmup} 个请求；非 2xx 均计为错误。"
        ),
        (
            f"- **压测程序与服务端在同一台 {cores} 核机器上，互相争用 CPU**；the load generator shares the {cores} cores "
            "with the server (服务端 CPU ms/req is the server processes' own CPU time per request, from /proc)."
        ),
        (
            f"- 服务 server: `pension-audit serve --workers {args.workers}`（uvicorn，"
            f"{'单进程' if args.workers == 1 else f'{args.workers} 个进程'}，uvloop + httptools）；对照 baseline: "
            "`bench/bare_app.py` 由 uvicorn 启动（单进程）。"
        ),
        (
            "- 案件操作 case action: 经办员提出暂停申请 `POST /cases/{id}/proposals`，复核员驳回 "
            "`POST /proposals/{id}/decision`，每个客户端一个案件，两个请求都计时（写锁、版本检查、双人复核、审计日志）。"
            "SQLite 只有一把写锁，写请求在事件循环上依次排队（`api.deps._writing`），吞吐即单个写事务耗时的倒数。"
        ),
        "",
        markdown_table(results),
        "",
        *verdict,
    ]
    command = (
        f"`.venv/bin/python bench/api.py --home <data home> --clients {args.clients} "
        f"--requests {args.requests} --seconds {args.seconds:g}"
        + (f" --workers {args.workers}" if args.workers > 1 else "")
        + (" --postgres <URL>" if args.postgres else "")
        + "`"
    )
    return "\n".join(lines) + rate_text + f"\n\n重新测量 Reproduce: {command}"


def store_words(args: argparse.Namespace) -> str:
    return "PostgreSQL（新建数据库）" if args.postgres else "SQLite（临时目录，新建）"


def section_title(args: argparse.Namespace) -> str:
    """`## API` for one process on SQLite; other set-ups have a section each."""
    if args.workers == 1 and not args.postgres:
        return "API"
    return f"API：{args.workers} 个服务进程，{'PostgreSQL' if args.postgres else 'SQLite'}"


# ------------------------------------------------------------------------------ main

FINDINGS = "GET /findings"
PERSONS = "GET /persons/{id}"
CASE = "case action (propose + reject)"
PING = "bare FastAPI GET /ping"
PING_SYNC = "bare FastAPI GET /ping-sync"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="a data home holding warehouse.duckdb (default: build a small district)")
    parser.add_argument("--clients", default="1,10,50", help="concurrent clients, comma-separated")
    parser.add_argument("--requests", type=int, default=2000, help="at most this many requests per run")
    parser.add_argument("--seconds", type=float, default=20, help="at most this long per run")
    parser.add_argument("--warmup", type=int, default=200, help="requests before each run, not counted")
    parser.add_argument(
        "--rate-fraction",
        type=float,
        default=0.5,
        help="fixed-rate runs at this fraction of the best closed-loop throughput (0: none)",
    )
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="raw: a minimal HTTP/1.1 keep-alive client (default); httpx: httpx.AsyncClient",
    )
    parser.add_argument("--only", default="", help="run only scenarios whose name contains this")
    parser.add_argument("--workers", type=int, default=1, help="server processes (more than 1 needs --postgres)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="case store on this PostgreSQL server, in a fresh database (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)",
    )
    parser.add_argument("--no-report", action="store_true", help="print only, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    levels = [int(c) for c in args.clients.split(",")]
    global CLIENT
    CLIENT = args.client

    if args.workers > 1 and not args.postgres:
        raise SystemExit("--workers 大于 1 需要 PostgreSQL 案件库（--postgres URL）")
    work = Path(tempfile.mkdtemp(prefix="api-bench-"))
    servers: list[Server] = []
    databases = ExitStack()
    try:
        home = Path(args.home).resolve() if args.home else build_small(work)
        url = (
            databases.enter_context(postgres_database(args.postgres))
            if args.postgres
            else f"sqlite:///{work / 'cases.sqlite'}"
        )
        t = time.perf_counter()
        store = prepare_store(home, url)
        print(
            f"案件库 {url}：{store.findings:,} 条疑点，{store.person_count:,} 名人员（发布 {time.perf_counter() - t:.1f} s）"
        )

        cli = str(Path(sys.executable).with_name("pension-audit"))
        env = {**os.environ, "PENSION_AUDIT_HOME": str(home), "PENSION_AUDIT_DATABASE_URL": url}
        port = free_port()
        api = Server(
            [
                cli,
                "serve",
                "--home",
                str(home),
                "--database-url",
                url,
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            port,
            env,
            "/health",
        )
        servers.append(api)
        port = free_port()
        bare = Server(
            [
                sys.executable,
                "-c",
                (
                    "import uvicorn; from bench.bare_app import app; "
                    f"uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning')"
                ),
            ],
            port,
            env,
            "/ping",
        )
        servers.append(bare)

        inspector, reviewer = sign_in(api.base, "jingban"), sign_in(api.base, "fuhe")
        persons = store.persons
        rng = random.Random(3)
        cases = CaseActions(api.base, inspector, reviewer, store.case_findings)
        scenarios = [
            Scenario(FINDINGS, api, get("/findings", inspector)),
            Scenario(PERSONS, api, get(lambda: f"/persons/{rng.choice(persons)}", inspector)),
            Scenario(CASE, api, cases.make, open_loop=False, prepare=cases.ensure),
            Scenario(PING, bare, get("/ping")),
            Scenario(PING_SYNC, bare, get("/ping-sync")),
        ]
        scenarios = [s for s in scenarios if args.only.lower() in s.name.lower()]
        info = machine_info()
        print(f"机器：{info['cpu']}，{info['cores']} 核，{info['ram']}；压测程序与服务端在同一台机器上，争用 CPU。")
        print(f"每档最多 {args.requests} 个请求或 {args.seconds:g} 秒，预热 {args.warmup} 个请求。\n")
        print(line(HEADER))

        results: list[Result] = []
        rates: list[Result] = []
        for scenario in scenarios:
            for clients in levels:
                result = measure(scenario, clients, args)
                results.append(result)
                print(line(row(result)), flush=True)
            if scenario.open_loop and args.rate_fraction > 0:
                best = max(r.throughput for r in results if r.scenario == scenario.name)
                rates.append(measure_rate(scenario, best * args.rate_fraction, args))
                print(line(row(rates[-1])), flush=True)
        print()
        print_table(results)
        if rates:
            print(f"\n固定到达率（开环，闭环最高吞吐的 {args.rate_fraction:.0%}）：")
            print_table(rates)
        if not args.no_report and not args.only:
            title = section_title(args)
            path = write_section(title, section(results, rates, store, home, args, info["cores"]))
            print(f"\n已写入 {path.relative_to(ROOT)} 的「## {title}」一节")
    finally:
        for server in servers:
            server.stop()
        databases.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
