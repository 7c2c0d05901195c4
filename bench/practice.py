"""Practice answers against the exam autosave and the bare floor: does everyone practising at once cost more
per request than an autosave?

    .venv/bin/python bench/practice.py [--candidates 72] [--requests 2000] [--seconds 15] [--threads 24]
                                       [--database-url postgresql://…/a_database_of_your_own]

No HTTP server and no load generator (nothing to install): everything runs in this process with the Flask
test client, so both endpoints go through the whole app — session cookie, CSRF, the view, the service,
the SQL, the commit, the JSON response — and nothing else competes for the measurement.

1. A fresh database: SQLite in a temp dir, or the PostgreSQL database named in --database-url, whose public
   schema is **dropped and recreated** (use a database of your own, e.g. your test database; it refuses
   `test` and `postgres`). `flask db upgrade`, `flask bank load`, `setup_data.py` (N candidates, a 90-item
   exam open now); every candidate logs in and starts the exam. By default the last commit is served
   (`git archive HEAD`, as bench/autosave.py does); `--source tree` serves the working tree.
2. **One request at a time** (one thread, warm), in --cpu-rounds alternated rounds: --requests autosaves
   (`POST /api/v1/attempts/<id>/answers`), --requests practice answers (`POST /learning/api/answers`, each a
   new answer with its own client id, to a practice question of the pool) and the floor's bare upsert
   (`bench/floor_app.py`, in a child process as in bench/inprocess.py): median CPU ms per request and the
   SQL statements each sends.
3. **Everyone at once**: --threads threads, each driving its own candidates (every candidate has a client and
   a session of its own), send requests back to back for --seconds, autosaves then practice answers,
   alternating for --rounds rounds: requests/s and latency percentiles. With the GIL this measures the app's
   per-request cost under contention (SQLite's write lock, PostgreSQL's row locks and connection pool), not
   a multi-core server; bench/autosave.py measures that under gunicorn.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(BENCH))

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def reset_postgres(url: str) -> None:
    import floor_app
    from sqlalchemy import create_engine, text
    engine = create_engine(floor_app.normalise_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def prepare_source(kind: str, tmp: Path) -> tuple[Path, str]:
    """The working tree, or the last commit exported with `git archive` (as bench/autosave.py does; copied
    here so that this script needs nothing outside the product's dependencies)."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip()
    if kind == "tree":
        return ROOT, f"working tree at {head}"
    source = tmp / "source"
    source.mkdir()
    archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    return source, f"commit {head} (git archive HEAD)"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


class Candidate:
    """One logged-in candidate: a test client with its own session, CSRF token, attempt and paper items."""

    def __init__(self, app, login: str, exam_id: int, questions: list[tuple[int, str]]):
        self.client = app.test_client()
        token = CSRF_META.search(self.client.get("/login").get_data(as_text=True)).group(1)
        response = self.client.post("/login", data={"username": login, "password": "bench1234", "csrf_token": token})
        assert response.status_code == 302, (login, response.status_code)
        token = CSRF_META.search(self.client.get("/exams").get_data(as_text=True)).group(1)
        self.headers = {"X-CSRFToken": token}
        paper = self.client.post(f"/api/v1/exams/{exam_id}/attempts", headers=self.headers).get_json()
        self.attempt = paper["attempt"]
        self.items = [i for i in paper["items"] if i["type"] == "single"]
        self.questions = questions
        self.seq = 0
        self.client_id = random.randrange(1, 2**40)

    def autosave(self) -> int:
        self.seq += 1
        item = self.items[self.seq % len(self.items)]
        return self.client.post(f"/api/v1/attempts/{self.attempt}/answers", headers=self.headers,
                                json={"item": item["item"], "answer": item["options"][self.seq % 4]["key"],
                                      "seq": self.seq}).status_code

    def practise(self) -> int:
        self.seq += 1
        self.client_id += 1
        question, key = self.questions[self.seq % len(self.questions)]
        return self.client.post("/learning/api/answers", headers=self.headers,
                                json={"question": question, "answer": key if self.seq % 3 else "A",
                                      "mode": "practice", "client_id": self.client_id}).status_code


def floor_only(url: str, saves: int) -> None:
    """Run in a child process (importing examapp registers Engine-wide SQLite listeners)."""
    import floor_app
    floor_app.create_schema(url)
    floor = floor_app.create_app(url).test_client()
    for n in range(1, 101):
        floor.post("/save", json={"attempt": 1, "item": 1000 + n % 40, "answer": "A", "seq": n})
    c0 = time.process_time()
    for n in range(1000, 1000 + saves):
        assert floor.post("/save", json={"attempt": 1, "item": 1000 + n % 40, "answer": "A", "seq": n}).status_code == 200
    print((time.process_time() - c0) * 1000 / saves)


def one_at_a_time(name: str, call, requests: int) -> float:
    c0 = time.process_time()
    for _ in range(requests):
        status = call()
        if status != 200:
            raise SystemExit(f"{name}: HTTP {status}")
    return (time.process_time() - c0) * 1000 / requests


def everyone_at_once(name: str, candidates: list[Candidate], method: str, threads: int, seconds: float) -> dict:
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = Counter()
    stop_at = [0.0]
    start = threading.Barrier(threads + 1)

    def worker(index: int) -> None:
        mine = candidates[index::threads]
        start.wait()
        n = 0
        while time.perf_counter() < stop_at[0]:
            c = mine[n % len(mine)]
            n += 1
            t0 = time.perf_counter()
            status = getattr(c, method)()
            latencies[index].append((time.perf_counter() - t0) * 1000)
            if status != 200:
                errors[status] += 1

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    t0 = time.perf_counter()
    stop_at[0] = t0 + seconds
    start.wait()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - t0
    values = [v for part in latencies for v in part]
    return {"step": name, "requests": len(values), "errors": dict(errors), "per_s": len(values) / elapsed,
            "p50": percentile(values, 50), "p95": percentile(values, 95), "p99": percentile(values, 99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=72)
    parser.add_argument("--requests", type=int, default=1000, help="per one-at-a-time round")
    parser.add_argument("--cpu-rounds", type=int, default=5, help="alternated one-at-a-time rounds")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--threads", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=2, help="everyone at once: autosave/practice rounds")
    parser.add_argument("--database-url", help="PostgreSQL database of your own (its public schema is reset)")
    parser.add_argument("--source", choices=["head", "tree"], default="head")
    parser.add_argument("--floor-only", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_only:
        floor_only(args.floor_only, args.requests)
        return
    if args.database_url and args.database_url.rstrip("/").rsplit("/", 1)[-1] in ("test", "postgres"):
        raise SystemExit("refusing the shared databases 'test' and 'postgres': name a database of your own")

    tmp = Path(tempfile.mkdtemp(prefix="examapp-practice-"))
    try:
        source_dir, source = prepare_source(args.source, tmp)
        sys.path.insert(0, str(source_dir))
        if args.database_url:
            reset_postgres(args.database_url)
            app_url = floor_url = args.database_url
        else:
            app_url, floor_url = f"sqlite:///{tmp / 'examapp.db'}", f"sqlite:///{tmp / 'floor.db'}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        env.update({"DATABASE_URL": app_url, "SECRET_KEY": "x", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                    "FLASK_APP": "wsgi", "PYTHONPATH": str(source_dir), "EXAMAPP_SOURCE": str(source_dir)})
        for cmd in (["flask", "db", "upgrade"], ["flask", "bank", "load"]):
            subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=source_dir, env=env, check=True, capture_output=True)
        setup = subprocess.run([sys.executable, str(BENCH / "setup_data.py"), "--candidates", str(args.candidates),
                                "--scrypt-sample", "0"], cwd=source_dir, env=env, check=True,
                               capture_output=True, text=True).stdout
        exam_id = int(re.search(r'"exam": (\d+)', setup).group(1))
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "PASSWORD_HASH_METHOD")})

        from sqlalchemy import event, select

        from examapp import create_app
        from examapp.bank.models import Question, QuestionVersion
        from examapp.extensions import db

        app = create_app({"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.threads, "max_overflow": 4}})
        with app.app_context():
            questions = [(qid, answer) for qid, answer in db.session.execute(
                select(Question.id, QuestionVersion.answer)
                .join(QuestionVersion, (QuestionVersion.question_id == Question.id)
                      & (QuestionVersion.version == Question.version))
                .where(Question.type == "single", Question.active.is_(True)))]
            engine = db.engine
        print(f"serving {source}; database {engine.dialect.name}; {args.candidates} candidates logging in …",
              flush=True)
        candidates = [Candidate(app, f"bench{i:04d}", exam_id, questions) for i in range(1, args.candidates + 1)]

        statements: dict[str, Counter] = {"autosave": Counter(), "practice": Counter()}
        counting: list[str | None] = [None]

        @event.listens_for(engine, "before_cursor_execute")
        def _count(conn, cursor, statement, parameters, context, executemany):
            if counting[0]:
                statements[counting[0]][" ".join(statement.split())[:90]] += 1

        first = candidates[0]
        for _ in range(100):   # warm: compiled caches, Jinja, imports
            first.autosave()
            first.practise()
        for name, call in (("autosave", first.autosave), ("practice", first.practise)):
            counting[0] = name
            call()
            counting[0] = None
        for name, counter in statements.items():
            print(f"SQL per {name} request: {sum(counter.values())}")
            for statement, count in counter.items():
                print(f"  {count} × {statement}")

        # Alternated rounds, so that a neighbour's load on a shared machine hits both alike; the median is reported.
        rounds: dict[str, list[float]] = {"autosave": [], "practice": []}
        for _ in range(args.cpu_rounds):
            rounds["autosave"].append(one_at_a_time("autosave", first.autosave, args.requests))
            rounds["practice"].append(one_at_a_time("practice", first.practise, args.requests))
        out = subprocess.run([sys.executable, __file__, "--floor-only", floor_url, "--requests", str(args.requests)],
                             check=True, capture_output=True, text=True, env={**os.environ}).stdout
        cpu = {name: sorted(values)[len(values) // 2] for name, values in rounds.items()}
        cpu["floor"] = float(out.split()[-1])
        print(f"\n| one request at a time ({args.cpu_rounds} alternated rounds of {args.requests}) "
              "| CPU ms per request, median | all rounds | SQL statements |")
        print("| --- | ---: | --- | ---: |")
        for name in ("autosave", "practice", "floor"):
            floor_sql = "3" if engine.dialect.name == "sqlite" else "1 + commit"
            sql = sum(statements[name].values()) if name != "floor" else floor_sql
            spread = ", ".join(f"{v:.2f}" for v in rounds.get(name, []))
            print(f"| {name} | {cpu[name]:.2f} | {spread} | {sql} |")

        rows = []
        for round_ in range(1, args.rounds + 1):   # alternated, so that a neighbour's load hits both alike
            rows.append(everyone_at_once(f"autosave, round {round_}", candidates, "autosave", args.threads, args.seconds))
            rows.append(everyone_at_once(f"practice, round {round_}", candidates, "practise", args.threads, args.seconds))
        print(f"\n| everyone at once ({args.candidates} candidates, {args.threads} threads, {args.seconds:g} s) "
              "| requests | errors | req/s | p50 ms | p95 ms | p99 ms |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in rows:
            print(f"| {r['step']} | {r['requests']} | {sum(r['errors'].values())} | {r['per_s']:.0f} | "
                  f"{r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} |")
        autosave_rate = sum(r["per_s"] for r in rows[0::2]) / args.rounds
        practice_rate = sum(r["per_s"] for r in rows[1::2]) / args.rounds
        print(f"\npractice / autosave throughput when everyone is at it: {practice_rate / autosave_rate:.0%}; "
              f"CPU per request practice / autosave one at a time: "
              f"{cpu['practice'] / cpu['autosave']:.0%}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        if args.database_url:
            reset_postgres(args.database_url)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
