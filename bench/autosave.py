"""Exam-day load benchmark: synchronized start, steady autosave, deadline submit storm (a script, not a test).

    .venv/bin/python bench/autosave.py --candidates 500                 # SQLite in a temp dir
    .venv/bin/python bench/autosave.py --candidates 500 \
        --database-url postgresql://postgres@127.0.0.1:5432/examapp_bench   # PostgreSQL (created, then dropped)

For each gunicorn worker class asked for (default: sync and gthread) it builds a fresh database
(`flask db upgrade`, `flask bank load`, bench/setup_data.py: N candidates + one 90-item exam open now),
starts gunicorn serving wsgi:app and, under the same settings, the bare floor app (bench/floor_app.py),
then drives them from one asyncio + aiohttp process (one cookie jar per candidate, one shared connector):

  login      GET /login, POST /login, GET /exams (for the CSRF token); a few candidates have a real
             scrypt hash (measured apart), the rest a cheap pbkdf2:sha256:1000 hash
  start      POST /api/v1/exams/<id>/attempts for every candidate at once
  paced      every candidate saves one answer every --interval s for --paced-seconds s
  saturated  --concurrency closed-loop clients save as fast as they can for --sat-seconds s,
             first against the app, then against the floor, same generator and payloads
  storm      every candidate submits at the same moment (the deadline submit storm)
  verify     every acknowledged (item, seq) is in the database: stored seq >= acknowledged seq, and
             equal (with the same value) where the last save sent for the item was acknowledged;
             bench/check_graded.py: every started attempt finished and graded, and each stored score
             equals a fresh grading (ORM path) of the answers stored now

Only 127.0.0.1 is contacted; every loop is bounded in time; servers are stopped and temp files and
the PostgreSQL database it created are removed at the end (also on Ctrl+C). Results are printed as
Markdown and written as JSON to --results-dir.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from sqlalchemy import JSON, BigInteger, Column, Integer, MetaData, Table, create_engine, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SOURCE = ROOT  # the examapp tree that is served: ROOT, or a `git archive HEAD` copy (--source head)
BIN = Path(sys.executable).parent
sys.path.insert(0, str(BENCH))
import floor_app  # noqa: E402

SECRET_KEY = "bench-fixed-secret-key-not-for-production"
CHEAP_HASH = "pbkdf2:sha256:1000"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
FILL_WORDS = ["市场主体", "营商环境", "公平竞争", "政务服务", "依法保护", "一网通办"]
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- measuring -----------------------------------------------------------------------------------

def snippet(body: str, limit: int = 160) -> str:
    """The start of a response body; for an HTML page its title and visible text, not the markup."""
    if "<html" in body[:500].lower():
        title = re.search(r"<title>(.*?)</title>", body, re.S | re.I)
        main = re.sub(r"(?is)<(head|script|style|nav)\b.*?</\1>", " ", body)
        main = re.sub(r"<[^>]+>", " ", main)
        body = f"[HTML] {title.group(1).strip() if title else ''} | {main}"
    return re.sub(r"\s+", " ", body).strip()[:limit]


def percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, min(len(sorted_values), int(-(-p * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


def proc_cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies over all CPUs since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def wait_quiet(max_wait: float, threshold_pct: float = 15.0, needed: int = 3) -> dict:
    """Wait (at most max_wait s) until the whole machine is nearly idle for `needed` consecutive seconds,
    so that other work on a shared machine (test suites, browsers) does not take the cores we measure."""
    started = time.monotonic()
    quiet = 0
    busy_pct = 100.0
    while time.monotonic() - started < max_wait:
        b0, t0 = machine_busy()
        time.sleep(1.0)
        b1, t1 = machine_busy()
        busy_pct = 100.0 * (b1 - b0) / max(1, t1 - t0)
        quiet = quiet + 1 if busy_pct < threshold_pct else 0
        if quiet >= needed:
            break
    waited = round(time.monotonic() - started, 1)
    if quiet < needed:
        log(f"machine still busy ({busy_pct:.0f}% of all cores) after waiting {waited} s; measuring anyway")
    elif waited > needed + 1:
        log(f"waited {waited} s for the machine to be quiet")
    return {"quiet_wait_s": waited, "quiet_before": quiet >= needed}


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Step:
    """One measured step: latencies of the completed requests, errors, and the CPU spent meanwhile."""
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    wall: float = 0.0
    gen_cpu: float = 0.0
    server_cpu: float = 0.0
    machine_busy_pct: float = 0.0
    extra: dict = field(default_factory=dict)
    _marks: tuple = ()

    def begin(self, server_pids: list[int]) -> None:
        self._pids = server_pids
        self._marks = (time.perf_counter(), self_cpu(), proc_cpu_seconds(server_pids), machine_busy())

    def end(self) -> None:
        t0, cpu0, srv0, (busy0, total0) = self._marks
        self.wall = time.perf_counter() - t0
        self.gen_cpu = self_cpu() - cpu0
        self.server_cpu = proc_cpu_seconds(self._pids) - srv0
        busy1, total1 = machine_busy()
        self.machine_busy_pct = 100.0 * (busy1 - busy0) / max(1, total1 - total0)

    def error(self, kind: object, body: str) -> None:
        self.errors[(str(kind), snippet(body))] += 1

    def summary(self) -> dict:
        lat = sorted(self.latencies)
        n_err = sum(self.errors.values())

        def ms(v: float | None) -> float | None:
            return None if v is None else round(v * 1000, 1)

        return {
            "step": self.name, "ok": len(lat), "errors": n_err,
            "throughput": round((len(lat) + n_err) / self.wall, 1) if self.wall else None,
            "p50_ms": ms(percentile(lat, 50)), "p95_ms": ms(percentile(lat, 95)),
            "p99_ms": ms(percentile(lat, 99)), "max_ms": ms(lat[-1] if lat else None),
            "wall_s": round(self.wall, 2),
            # CPU in "% of one core" (the machine has nproc cores; 100% = one core busy).
            "generator_cpu_pct": round(100 * self.gen_cpu / self.wall, 1) if self.wall else None,
            "server_cpu_pct": round(100 * self.server_cpu / self.wall, 1) if self.wall else None,
            "machine_busy_pct": round(self.machine_busy_pct, 1),
            # CPU used by processes other than the generator and the server under test (other work on the
            # machine), in % of one core: a noisy neighbour shows here.
            "other_cpu_pct": round(self.machine_busy_pct * (os.cpu_count() or 1)
                                   - 100 * (self.gen_cpu + self.server_cpu) / self.wall, 1) if self.wall else None,
            "error_detail": [{"kind": k, "body": b, "count": c} for (k, b), c in self.errors.most_common()],
            **self.extra,
        }


# --- servers -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, name: str, app: str, env: dict, workers: int, worker_class: str, threads: int,
                 log_dir: Path, pythonpath: Path | None = None):
        self.name, self.port = name, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        args = [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{self.port}", "-w", str(workers),
                "--worker-class", worker_class, "--backlog", "2048", "--timeout", "60",
                "--graceful-timeout", "5", "--keep-alive", "5", "--log-level", "warning"]
        if worker_class == "gthread":
            args += ["--threads", str(threads)]
        if pythonpath:
            args += ["--pythonpath", str(pythonpath)]
        args.append(app)
        self.log_path = log_dir / f"gunicorn-{name}.log"
        self.log_file = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(args, cwd=SOURCE, env=env, stdout=self.log_file, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} gunicorn exited: {self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                if len(self.worker_pids()) >= 1:
                    time.sleep(1.0)  # let every worker boot
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} gunicorn did not start in {timeout:.0f} s")

    def worker_pids(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except FileNotFoundError:
            return []
        return [int(c) for c in children]

    def pids(self) -> list[int]:
        return [self.proc.pid, *self.worker_pids()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.log_file.close()


# --- databases -----------------------------------------------------------------------------------

class Database:
    """SQLite files in a temp dir, or a PostgreSQL database this script creates and drops."""

    def __init__(self, url: str | None, tmp: Path):
        self.tmp = tmp
        self.url = url
        self.created = False
        if url:
            parsed = make_url(url)
            if not parsed.drivername.startswith("postgres"):
                raise SystemExit("--database-url: only PostgreSQL URLs (SQLite is the default)")
            if parsed.database in (None, "", "test", "postgres", "template0", "template1"):
                raise SystemExit(f"refusing database {parsed.database!r}: the test suite uses 'test'; "
                                 "name a database of its own, e.g. .../examapp_bench")
            self.name = parsed.database
            self.admin_url = floor_app.normalise_url(parsed.set(database="postgres").render_as_string(False))

    @property
    def engine_name(self) -> str:
        return "postgresql" if self.url else "sqlite"

    def fresh(self, label: str) -> tuple[str, str]:
        """(app url, floor url) of a new empty database for one configuration."""
        if not self.url:
            directory = self.tmp / label
            directory.mkdir()
            return f"sqlite:///{directory / 'examapp.db'}", f"sqlite:///{directory / 'floor.db'}"
        self.drop()
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": self.name}):
                admin.dispose()
                raise SystemExit(f"database {self.name} already exists; drop it (dropdb -h 127.0.0.1 -U postgres "
                                 f"{self.name}) or choose another name")
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        admin.dispose()
        self.created = True
        return self.url, self.url  # the floor's table lives in the same database

    def drop(self) -> None:
        if self.url and self.created:
            admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            admin.dispose()
            self.created = False

    def version(self) -> str:
        if not self.url:
            import sqlite3
            return f"SQLite {sqlite3.sqlite_version}"
        admin = create_engine(self.admin_url)
        with admin.connect() as conn:
            version = conn.scalar(text("SHOW server_version"))
        admin.dispose()
        return f"PostgreSQL {version}"


def prepare_source(kind: str, tmp: Path) -> dict:
    """Serve the working tree as it is, or the last commit exported with `git archive` (read-only for the
    repository): other people editing the tree cannot break or change a run half-way."""
    global SOURCE
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "examapp", "migrations", "wsgi.py"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    if kind == "tree":
        SOURCE = ROOT
        return {"source": "working tree", "commit": head, "uncommitted_changes": bool(dirty)}
    SOURCE = tmp / "source"
    SOURCE.mkdir()
    archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(SOURCE)], input=archive, check=True)
    return {"source": "git archive HEAD", "commit": head}


def run(cmd: list[str], env: dict) -> str:
    done = subprocess.run(cmd, cwd=SOURCE, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


# --- the simulated candidates -------------------------------------------------------------------

@dataclass
class Sent:
    max_acked: int = -1
    last_seq: int = -1
    last_value: object = None
    last_acked: bool = False


@dataclass
class Candidate:
    index: int
    username: str
    session: aiohttp.ClientSession
    rng: random.Random
    csrf: str = ""
    attempt: int = 0
    items: list = field(default_factory=list)
    position: int = 0
    seq: int = 0
    sent: dict = field(default_factory=lambda: {"app": {}, "floor": {}})

    def next_item(self) -> dict:
        item = self.items[self.position % len(self.items)]
        self.position += 1
        return item

    def answer_for(self, item: dict) -> object:
        kind, rng = item["type"], self.rng
        keys = [o["key"] for o in item.get("options") or []]
        if kind == "single":
            return rng.choice(keys)
        if kind == "multiple":
            return sorted(rng.sample(keys, rng.randint(1, len(keys))))
        if kind == "truefalse":
            return rng.random() < 0.5
        return [rng.choice(FILL_WORDS) for _ in range(item.get("blanks") or 1)]


class Generator:
    def __init__(self, app_base: str, floor_base: str, timeout: float):
        self.app, self.floor = app_base, floor_base
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.connector: aiohttp.TCPConnector | None = None
        self.candidates: list[Candidate] = []

    async def open(self, count: int, seed: int) -> None:
        # Idle connections are dropped after 2 s, before gunicorn's 5 s keep-alive closes them under us.
        self.connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=None, keepalive_timeout=2.0)
        for i in range(1, count + 1):
            # CookieJar(unsafe=True): accept cookies from an IP address (127.0.0.1).
            session = aiohttp.ClientSession(connector=self.connector, connector_owner=False,
                                            cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=self.timeout)
            self.candidates.append(Candidate(i, f"bench{i:04d}", session, random.Random(seed * 100003 + i)))

    async def close(self) -> None:
        for c in self.candidates:
            await c.session.close()
        if self.connector:
            await self.connector.close()

    # login, start

    async def login(self, c: Candidate, password: str, post_step: Step, full_step: Step) -> bool:
        t0 = time.perf_counter()
        try:
            async with c.session.get(f"{self.app}/login") as r:
                page = await r.text()
            match = CSRF_META.search(page)
            if r.status != 200 or not match:
                full_step.error(r.status, "GET /login: " + page[:120])
                return False
            t1 = time.perf_counter()
            async with c.session.post(f"{self.app}/login", allow_redirects=False, data={
                    "username": c.username, "password": password, "csrf_token": match.group(1)}) as r:
                body = await r.text()
            t2 = time.perf_counter()
            if r.status != 302:
                post_step.error(r.status, "POST /login: " + body)
                return False
            post_step.latencies.append(t2 - t1)
            async with c.session.get(f"{self.app}/exams") as r:
                page = await r.text()
            match = CSRF_META.search(page)
            if r.status != 200 or not match:
                full_step.error(r.status, "GET /exams: " + page[:120])
                return False
            c.csrf = match.group(1)
            full_step.latencies.append(time.perf_counter() - t0)
            return True
        except (TimeoutError, aiohttp.ClientError) as exc:
            full_step.error(type(exc).__name__, str(exc))
            return False

    async def start(self, c: Candidate, exam_id: int, step: Step) -> None:
        t0 = time.perf_counter()
        try:
            async with c.session.post(f"{self.app}/api/v1/exams/{exam_id}/attempts",
                                      headers={"X-CSRFToken": c.csrf}) as r:
                body = await r.read()
            if r.status != 200:
                step.error(r.status, body.decode(errors="replace"))
                return
            data = json.loads(body)
            c.attempt, c.items = data["attempt"], data["items"]
            c.rng.shuffle(c.items)  # a candidate answers in some order, not paper order
            step.latencies.append(time.perf_counter() - t0)
        except (TimeoutError, aiohttp.ClientError) as exc:
            step.error(type(exc).__name__, str(exc))

    async def submit(self, c: Candidate, step: Step) -> None:
        """The page's own submit at zero on the clock (reason "timeout")."""
        t0 = time.perf_counter()
        try:
            async with c.session.post(f"{self.app}/api/v1/attempts/{c.attempt}/submit", json={"reason": "timeout"},
                                      headers={"X-CSRFToken": c.csrf}) as r:
                body = await r.read()
            if r.status == 200 and json.loads(body).get("status") in ("submitted", "finalised_overdue"):
                step.latencies.append(time.perf_counter() - t0)
                return
            step.error(r.status, body.decode(errors="replace"))
        except (TimeoutError, aiohttp.ClientError) as exc:
            step.error(type(exc).__name__, str(exc) or repr(exc))

    # saving

    async def save(self, c: Candidate, target: str, step: Step) -> None:
        item = c.next_item()
        value = c.answer_for(item)
        c.seq += 1
        seq = c.seq
        sent = c.sent[target].setdefault(item["item"], Sent())
        sent.last_seq, sent.last_value, sent.last_acked = seq, value, False
        if target == "app":
            url, payload = f"{self.app}/api/v1/attempts/{c.attempt}/answers", \
                {"item": item["item"], "answer": value, "seq": seq}
        else:
            url, payload = f"{self.floor}/save", {"attempt": c.attempt, "item": item["item"], "answer": value,
                                                 "seq": seq}
        t0 = time.perf_counter()
        try:
            async with c.session.post(url, json=payload, headers={"X-CSRFToken": c.csrf}) as r:
                body = await r.read()
            elapsed = time.perf_counter() - t0
            if r.status == 200:
                data = json.loads(body)
                if data.get("saved") is True and data.get("seq") == seq:
                    step.latencies.append(elapsed)
                    sent.max_acked = max(sent.max_acked, seq)
                    if sent.last_seq == seq:
                        sent.last_acked = True
                    return
            step.error(r.status, body.decode(errors="replace"))
        except (TimeoutError, aiohttp.ClientError) as exc:
            step.error(type(exc).__name__, str(exc) or repr(exc))

    async def paced(self, step: Step, seconds: float, interval: float) -> None:
        loop = asyncio.get_running_loop()
        t0 = loop.time() + 0.5
        stop = t0 + seconds
        lags: list[float] = []
        late = skipped = 0

        async def one(c: Candidate) -> None:
            nonlocal late, skipped
            offset = c.rng.random() * interval  # candidates are not in lock-step
            k = 0
            while True:
                at = t0 + offset + k * interval
                now = loop.time()
                if at >= stop or now >= stop:
                    return
                if now - at > interval:
                    # The previous save took longer than the interval: skip the missed slots (no catch-up
                    # burst, and the step stays bounded in time); count them.
                    missed = int((now - at) // interval)
                    skipped += missed
                    k += missed
                    continue
                if at > now:
                    await asyncio.sleep(at - now)
                lag = loop.time() - at
                lags.append(lag)
                if lag > 0.05:
                    late += 1  # the previous save of this candidate was still running, or the loop was busy
                await self.save(c, "app", step)
                k += 1

        await asyncio.gather(*(one(c) for c in self.candidates if c.attempt))
        lags.sort()
        step.extra.update({"target_rate": round(sum(1 for c in self.candidates if c.attempt) / interval, 1),
                           "send_lag_p99_ms": round(1000 * (percentile(lags, 99) or 0), 1),
                           "send_lag_max_ms": round(1000 * (lags[-1] if lags else 0), 1),
                           "sends_late_over_50ms": late, "slots_skipped": skipped})

    async def saturated(self, step: Step, target: str, seconds: float, concurrency: int, warmup: float,
                        begin) -> None:
        loop = asyncio.get_running_loop()
        active = [c for c in self.candidates if c.attempt]
        warm = Step("warmup")
        measuring = False

        async def one(i: int, stop_at: float) -> None:
            c = active[i % len(active)]
            while loop.time() < stop_at:
                await self.save(c, target, step if measuring else warm)

        await asyncio.gather(*(one(i, loop.time() + warmup) for i in range(concurrency)))
        measuring = True
        begin()
        await asyncio.gather(*(one(i, loop.time() + seconds) for i in range(concurrency)))
        step.extra["concurrency"] = concurrency
        step.extra["warmup_requests"] = len(warm.latencies) + sum(warm.errors.values())


# --- verification --------------------------------------------------------------------------------

def verify(url: str, table_name: str, candidates: list[Candidate], target: str) -> dict:
    table = Table(table_name, MetaData(), Column("item_id", Integer), Column("seq", BigInteger),
                  Column("value", JSON))
    engine = create_engine(floor_app.normalise_url(url))
    with engine.connect() as conn:
        stored = {item: (seq, value) for item, seq, value in conn.execute(
            select(table.c.item_id, table.c.seq, table.c.value))}
    engine.dispose()
    acked_items = missing = behind = last_mismatch = value_mismatch = 0
    examples = []
    for c in candidates:
        for item, sent in c.sent[target].items():
            if sent.max_acked < 0:
                continue
            acked_items += 1
            row = stored.get(item)
            if row is None:
                missing += 1
                examples.append(f"item {item}: acknowledged seq {sent.max_acked}, nothing stored")
                continue
            seq, value = row
            if seq < sent.max_acked:
                behind += 1
                examples.append(f"item {item}: stored seq {seq} < acknowledged {sent.max_acked}")
            if sent.last_acked:
                if seq != sent.last_seq:
                    last_mismatch += 1
                    examples.append(f"item {item}: last save seq {sent.last_seq} acknowledged, stored {seq}")
                elif value != sent.last_value:
                    value_mismatch += 1
                    examples.append(f"item {item}: seq {seq} stored {value!r}, sent {sent.last_value!r}")
    return {"target": target, "items_with_acknowledged_saves": acked_items, "missing": missing,
            "stored_seq_below_acknowledged": behind, "last_save_seq_not_equal": last_mismatch,
            "last_save_value_not_equal": value_mismatch, "ok": not (missing or behind or last_mismatch or
                                                                    value_mismatch),
            "examples": examples[:10]}


# --- one configuration ---------------------------------------------------------------------------

async def drive(args, app: Gunicorn, floor: Gunicorn, setup: dict, results: dict) -> Generator:
    gen = Generator(app.base, floor.base, args.request_timeout)
    await gen.open(setup["candidates"], args.seed)
    steps = results["steps"]
    pids = app.pids()
    password = setup["password"]

    async def quiet() -> dict:
        return await asyncio.to_thread(wait_quiet, args.quiet_wait)

    async def login_group(group: list[Candidate], label: str, concurrency: int) -> None:
        post, full = Step(f"login POST ({label})"), Step(f"login GET+POST+GET ({label})")
        full.extra.update(await quiet())
        gate = asyncio.Semaphore(concurrency)

        async def one(c):
            async with gate:
                await gen.login(c, password, post, full)

        full.begin(pids)
        await asyncio.gather(*(one(c) for c in group))
        full.end()
        post.wall, post.gen_cpu, post.server_cpu = full.wall, full.gen_cpu, full.server_cpu
        post.machine_busy_pct = full.machine_busy_pct
        post.extra["concurrency"] = full.extra["concurrency"] = concurrency
        steps.extend([post.summary(), full.summary()])

    k = min(args.scrypt_sample, len(gen.candidates))
    if k:
        log(f"login: {k} candidates with a real scrypt hash (concurrency {min(k, args.login_concurrency)})")
        await login_group(gen.candidates[:k], "real scrypt hash", min(k, args.login_concurrency))
    log(f"login: {len(gen.candidates) - k} candidates with {CHEAP_HASH} (concurrency {args.login_concurrency})")
    await login_group(gen.candidates[k:], f"cheap {CHEAP_HASH}", args.login_concurrency)
    for round_ in range(1, 4):
        failed = [c for c in gen.candidates if not c.csrf]
        if not failed:
            break
        # A person whose login failed tries again: up to three more rounds, a few at a time.
        log(f"login: {len(failed)} logins failed; retry round {round_} (concurrency 4)")
        await login_group(failed, f"retry {round_} of failed logins", 4)

    ready = [c for c in gen.candidates if c.csrf]
    step = Step("start exam (all at once)")
    step.extra.update(await quiet())
    log(f"start: {len(ready)} candidates start the exam at once")
    step.begin(pids)
    await asyncio.gather(*(gen.start(c, setup["exam"], step) for c in ready))
    step.end()
    step.extra["concurrency"] = len(ready)
    steps.append(step.summary())

    step = Step(f"paced autosave (1 per {args.interval:g} s per candidate)")
    step.extra.update(await quiet())
    log(f"paced: {sum(1 for c in gen.candidates if c.attempt)} candidates, one save every {args.interval} s "
        f"for {args.paced_seconds} s")
    step.begin(pids)
    await gen.paced(step, args.paced_seconds, args.interval)
    step.end()
    steps.append(step.summary())

    for name, server in (("app", app), ("floor", floor)):
        step = Step(f"saturated {'autosave (app)' if name == 'app' else 'bare floor'}")
        step.extra.update(await quiet())
        log(f"saturated: {name}, {args.concurrency} closed-loop clients, {args.sat_seconds} s")
        profilers = []

        def begin(step=step, server=server, name=name, profilers=profilers):
            step.begin(server.pids())
            if args.profile and name == "app":
                for pid in server.worker_pids():
                    out = Path(args.results_dir) / f"pyspy-{results['label']}-{pid}.txt"
                    profilers.append(subprocess.Popen(
                        [str(BIN / "py-spy"), "record", "-p", str(pid), "-d", str(int(args.sat_seconds)),
                         "-r", "50", "--nonblocking", "-f", "raw", "-o", str(out)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

        await gen.saturated(step, name, args.sat_seconds, args.concurrency, args.warmup, begin)
        step.end()
        for p in profilers:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
        steps.append(step.summary())

    started = [c for c in gen.candidates if c.attempt]
    step = Step("deadline submit storm (all at once)")
    step.extra.update(await quiet())
    log(f"storm: {len(started)} candidates submit at the same moment")
    step.begin(pids)
    await asyncio.gather(*(gen.submit(c, step) for c in started))
    step.end()
    step.extra["concurrency"] = len(started)
    steps.append(step.summary())
    return gen


def one_configuration(args, db: Database, worker_class: str) -> dict:
    label = f"{db.engine_name}-{worker_class}"
    results = {"label": label, "engine": db.engine_name, "worker_class": worker_class, "workers": args.workers,
               "threads": args.threads if worker_class == "gthread" else 1, "candidates": args.candidates,
               "steps": []}
    app_url, floor_url = db.fresh(label)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "DATABASE_URL"))}
    env.update({"DATABASE_URL": app_url, "SECRET_KEY": SECRET_KEY, "PASSWORD_HASH_METHOD": CHEAP_HASH,
                "FLASK_APP": "wsgi", "FLOOR_DATABASE_URL": floor_url, "PYTHONUNBUFFERED": "1",
                # Ahead of the editable install's finder, so the chosen source tree is the one imported.
                "PYTHONPATH": str(SOURCE), "EXAMAPP_SOURCE": str(SOURCE)})
    log(f"[{label}] setting up the database: flask db upgrade, flask bank load, {args.candidates} candidates, exam")
    t0 = time.perf_counter()
    run([str(BIN / "flask"), "db", "upgrade"], env)
    run([str(BIN / "flask"), "bank", "load"], env)
    setup = json.loads(run([sys.executable, str(BENCH / "setup_data.py"), "--candidates", str(args.candidates),
                            "--scrypt-sample", str(args.scrypt_sample)], env).strip().splitlines()[-1])
    floor_app.create_schema(floor_url)
    results["setup"] = setup | {"seconds": round(time.perf_counter() - t0, 1)}
    log(f"[{label}] setup done in {results['setup']['seconds']} s: exam {setup['exam']}, {setup['papers']} papers")

    log_dir = Path(args.results_dir) if args.keep_logs else db.tmp
    servers = []
    gen = None
    try:
        app = Gunicorn(f"app-{label}", "wsgi:app", env, args.workers, worker_class, args.threads, log_dir)
        servers.append(app)
        floor = Gunicorn(f"floor-{label}", "floor_app:app", env, args.workers, worker_class, args.threads,
                         log_dir, pythonpath=BENCH)
        servers.append(floor)
        app.wait_ready()
        floor.wait_ready()

        async def main():
            gen = await drive(args, app, floor, setup, results)
            await gen.close()
            return gen

        gen = asyncio.run(main())
    finally:
        for server in servers:
            server.stop()
        if args.keep_logs is False:
            for server in servers:
                tail = server.log_path.read_text(errors="replace")[-3000:] if server.log_path.exists() else ""
                if tail.strip():
                    results.setdefault("server_log_tail", {})[server.name] = tail
    log(f"[{label}] verifying acknowledged saves in the database")
    results["verify"] = [verify(app_url, "answer", gen.candidates, "app"),
                         verify(floor_url, "floor_answer", gen.candidates, "floor")]
    log(f"[{label}] checking that every attempt is finished and graded from its stored answers")
    results["graded"] = json.loads(run([sys.executable, str(BENCH / "check_graded.py"), str(setup["exam"])],
                                       env).strip().splitlines()[-1])
    app_sat = next(s for s in results["steps"] if s["step"] == "saturated autosave (app)")
    floor_sat = next(s for s in results["steps"] if s["step"] == "saturated bare floor")
    results["app_to_floor_ratio"] = round(app_sat["throughput"] / floor_sat["throughput"], 3)
    return results


# --- report --------------------------------------------------------------------------------------

def machine_info(db: Database) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
    from importlib.metadata import version
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem_kb / 1024 / 1024, 1),
            "python": sys.version.split()[0], "gunicorn": version("gunicorn"), "flask": version("flask"),
            "sqlalchemy": version("sqlalchemy"), "aiohttp": version("aiohttp"), "database": db.version()}


def markdown(results: dict) -> str:
    r = results
    lines = [f"### {r['engine']}, gunicorn {r['workers']} × {r['worker_class']}"
             + (f" ({r['threads']} threads)" if r["worker_class"] == "gthread" else "")
             + f", {r['candidates']} candidates", "",
             "| step | conc. | ok | errors | req/s | p50 ms | p95 ms | p99 ms | max ms | gen CPU % | server CPU % "
             "| other CPU % |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for s in r["steps"]:
        lines.append(f"| {s['step']} | {s.get('concurrency', '')} | {s['ok']} | {s['errors']} | {s['throughput']} "
                     f"| {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | {s['max_ms']} | {s['generator_cpu_pct']} "
                     f"| {s['server_cpu_pct']} | {s['other_cpu_pct']} |")
    paced = next(s for s in r["steps"] if s["step"].startswith("paced"))
    lines += ["", f"CPU columns are % of one core ({os.cpu_count()} cores = {100 * (os.cpu_count() or 1)}%); "
                  "'other' is CPU used meanwhile by processes other than the generator and the server under test.",
              "", f"Paced target {paced['target_rate']} saves/s; send lag p99 {paced['send_lag_p99_ms']} ms, "
                  f"max {paced['send_lag_max_ms']} ms; {paced['sends_late_over_50ms']} sends more than 50 ms late, "
                  f"{paced.get('slots_skipped', 0)} slots skipped because the previous save was still running. "
                  f"Saturated app/floor ratio: **{r['app_to_floor_ratio'] * 100:.0f}%**.", ""]
    start = next(s for s in r["steps"] if s["step"].startswith("start exam"))
    storm = next(s for s in r["steps"] if s["step"].startswith("deadline submit storm"))
    g = r["graded"]
    lines += ["| scenario | target | measured | met |", "| --- | --- | --- | --- |",
              f"| synchronized start of {start['concurrency']} | all started within 10 s, no error "
              f"| {start['ok']} started in {start['wall_s']} s, {start['errors']} errors "
              f"| {'yes' if start['wall_s'] <= 10 and not start['errors'] else '**no**'} |",
              f"| steady autosave | ≥ 60% of the bare floor, no error | {r['app_to_floor_ratio'] * 100:.0f}% "
              f"| {'yes' if r['app_to_floor_ratio'] >= 0.6 else '**no**'} |",
              f"| deadline submit storm of {storm['concurrency']} | all finalised within 15 s, no error "
              f"| {storm['ok']} finalised in {storm['wall_s']} s, {storm['errors']} errors; graded check: "
              f"{g['finished']}/{g['started']} finished, {g['ungraded']} ungraded, "
              f"{g['score_differs_from_stored_answers']} scores ≠ stored answers "
              f"| {'yes' if storm['wall_s'] <= 15 and not storm['errors'] and g['ok'] else '**no**'} |", ""]
    errors = [(s["step"], e) for s in r["steps"] for e in s["error_detail"]]
    if errors:
        lines.append("Errors:")
        lines += [f"- {step}: {e['count']} × {e['kind']}: `{e['body']}`" for step, e in errors]
    else:
        lines.append("Errors: none.")
    for v in r["verify"]:
        lines.append(f"Verify {v['target']}: {v['items_with_acknowledged_saves']} items with acknowledged saves; "
                     f"missing {v['missing']}, stored seq below acknowledged {v['stored_seq_below_acknowledged']}, "
                     f"last save seq ≠ {v['last_save_seq_not_equal']}, value ≠ {v['last_save_value_not_equal']} "
                     f"→ **{'OK' if v['ok'] else 'FAILED'}**" + (f" {v['examples']}" if v["examples"] else ""))
    return "\n".join(lines) + "\n"


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--database-url", help="PostgreSQL URL of a database to create, use and drop "
                                               "(default: SQLite files in a temp dir)")
    parser.add_argument("--worker-class", nargs="+", default=["sync", "gthread"], choices=["sync", "gthread"])
    parser.add_argument("--source", choices=["head", "tree"], default="head",
                        help="serve the last commit (git archive HEAD, default) or the working tree as it is")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--interval", type=float, default=2.0, help="paced: seconds between a candidate's saves")
    parser.add_argument("--paced-seconds", type=float, default=60.0)
    parser.add_argument("--sat-seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=2.0, help="saturated: unmeasured seconds first")
    parser.add_argument("--concurrency", type=int, default=48, help="saturated: closed-loop clients")
    parser.add_argument("--login-concurrency", type=int, default=50)
    parser.add_argument("--scrypt-sample", type=int, default=20,
                        help="candidates given a real scrypt password hash, their logins measured apart")
    parser.add_argument("--quiet-wait", type=float, default=90.0,
                        help="before each step wait up to this many seconds for the machine to be idle")
    parser.add_argument("--request-timeout", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--results-dir", default=str(BENCH / "results"))
    parser.add_argument("--profile", action="store_true",
                        help="py-spy each app worker during the saturated app step (raw stacks in results dir)")
    parser.add_argument("--keep-logs", action="store_true", help="gunicorn logs into the results dir")
    args = parser.parse_args()
    if not 1 <= args.candidates <= 2000:
        parser.error("--candidates: 1 … 2000")

    Path(args.results_dir).mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="examapp-bench-"))
    db = Database(args.database_url, tmp)
    # Ctrl+C / SIGTERM: raise so that the finally blocks stop the servers and drop the database.
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        report = {"machine": machine_info(db), "source": prepare_source(args.source, tmp), "configurations": []}
        log(f"machine: {report['machine']}")
        log(f"serving: {report['source']} ({SOURCE})")
        for worker_class in args.worker_class:
            report["configurations"].append(one_configuration(args, db, worker_class))
            db.drop()
    finally:
        db.drop()
        shutil.rmtree(tmp, ignore_errors=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(args.results_dir) / f"autosave-{db.engine_name}-{stamp}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    text_out = "\n".join(markdown(r) for r in report["configurations"])
    (out.with_suffix(".md")).write_text(text_out, encoding="utf-8")
    print(text_out)
    log(f"results: {out} and {out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
