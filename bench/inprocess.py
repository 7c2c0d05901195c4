"""In-process cost of one autosave, without HTTP, gunicorn or a load generator: a noise-free complement to
bench/autosave.py on a shared machine.

    .venv/bin/python bench/inprocess.py [--saves 2000] [--database-url postgresql://...] [--profile]

Builds a small database (SQLite in a temp dir by default), logs one candidate in through the Flask test
client, starts the exam, then times --saves calls of POST /api/v1/attempts/<id>/answers and of the bare
floor app's POST /save, one after the other in one thread. Prints CPU ms per save, the SQL statements
each save sends (with the count of each kind) and, with --profile, the top of a cProfile of the app saves.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(BENCH))

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def floor_only(url: str, saves: int) -> None:
    """Run in a child process: importing examapp registers Engine-wide SQLite listeners that the bare app
    must not inherit."""
    import floor_app
    floor_app.create_schema(url)
    floor = floor_app.create_app(url).test_client()

    def floor_save(n: int) -> None:
        r = floor.post("/save", json={"attempt": 1, "item": 1000 + n % 40, "answer": "A", "seq": n})
        if r.status_code != 200:
            raise SystemExit(f"floor save failed: {r.status_code}")

    for n in range(1, 101):
        floor_save(n)
    c0, t0 = time.process_time(), time.perf_counter()
    for n in range(1000, 1000 + saves):
        floor_save(n)
    print(f"{(time.process_time() - c0) * 1000 / saves} {(time.perf_counter() - t0) * 1000 / saves}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=2000)
    parser.add_argument("--floor-only", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help="PostgreSQL database to create, use and drop")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--source", choices=["head", "tree"], default="head",
                        help="the last commit (git archive HEAD, default) or the working tree as it is")
    args = parser.parse_args()
    if args.floor_only:
        floor_only(args.floor_only, args.saves)
        return

    tmp = Path(tempfile.mkdtemp(prefix="examapp-inprocess-"))
    created_pg = None
    try:
        import autosave
        source = autosave.prepare_source(args.source, tmp)
        sys.path.insert(0, str(autosave.SOURCE))
        print(f"serving {source}")
        if args.database_url:
            db_helper = autosave.Database(args.database_url, tmp)
            app_url, floor_url = db_helper.fresh("inprocess")
            created_pg = db_helper
        else:
            app_url, floor_url = f"sqlite:///{tmp / 'examapp.db'}", f"sqlite:///{tmp / 'floor.db'}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        env.update({"DATABASE_URL": app_url, "SECRET_KEY": "x", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                    "FLASK_APP": "wsgi", "PYTHONPATH": str(autosave.SOURCE), "EXAMAPP_SOURCE": str(autosave.SOURCE)})
        for cmd in (["flask", "db", "upgrade"], ["flask", "bank", "load"]):
            subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=autosave.SOURCE, env=env, check=True, capture_output=True)
        setup = subprocess.run([sys.executable, str(BENCH / "setup_data.py"), "--candidates", "2",
                                "--scrypt-sample", "0"], cwd=autosave.SOURCE, env=env, check=True, capture_output=True,
                               text=True).stdout
        exam_id = int(re.search(r'"exam": (\d+)', setup).group(1))
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "PASSWORD_HASH_METHOD")})

        from sqlalchemy import event

        from examapp import create_app
        from examapp.extensions import db

        app = create_app()
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = CSRF_META.search(page).group(1)
        response = client.post("/login", data={"username": "bench0001", "password": "bench1234",
                                               "csrf_token": token})
        assert response.status_code == 302, response.status_code
        token = CSRF_META.search(client.get("/exams").get_data(as_text=True)).group(1)
        headers = {"X-CSRFToken": token}
        paper = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
        attempt, items = paper["attempt"], [i for i in paper["items"] if i["type"] == "single"]

        statements: Counter = Counter()
        counting = [False]
        with app.app_context():
            engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def _count(conn, cursor, statement, parameters, context, executemany):
            if counting[0]:
                statements[" ".join(statement.split())[:110]] += 1

        def app_save(n: int) -> None:
            item = items[n % len(items)]
            r = client.post(f"/api/v1/attempts/{attempt}/answers", headers=headers,
                            json={"item": item["item"], "answer": item["options"][0]["key"], "seq": n})
            if r.status_code != 200:
                raise SystemExit(f"app save failed: {r.status_code} {r.get_data(as_text=True)[:300]}")

        for n in range(1, 101):  # warm caches (SQLAlchemy compiled cache, Jinja, imports)
            app_save(n)
        counting[0] = True
        app_save(101)
        counting[0] = False
        print(f"database: {engine.dialect.name}; SQL statements sent by one app save:")
        for statement, count in statements.items():
            print(f"  {count} × {statement}")
        print(f"  = {sum(statements.values())} statements (the floor sends 3 on SQLite: BEGIN IMMEDIATE, "
              "INSERT … ON CONFLICT, COMMIT; 1 + commit on PostgreSQL)")

        results = {}
        for name in ("app", "floor", "app again"):
            if name == "floor":
                out = subprocess.run([sys.executable, __file__, "--floor-only", floor_url, "--saves",
                                      str(args.saves)], check=True, capture_output=True, text=True).stdout
                results[name] = tuple(float(v) for v in out.split())
            else:
                c0, t0 = time.process_time(), time.perf_counter()
                for n in range(1000, 1000 + args.saves):
                    app_save(n + (0 if name == "app" else args.saves))
                results[name] = ((time.process_time() - c0) * 1000 / args.saves,
                                 (time.perf_counter() - t0) * 1000 / args.saves)
            print(f"{name:10s}: {results[name][0]:.2f} ms CPU, {results[name][1]:.2f} ms wall per save "
                  f"({args.saves} saves, one thread, no HTTP)")
        app_cpu = min(results["app"][0], results["app again"][0])
        print(f"floor/app CPU ratio (= the best app/floor throughput ratio to expect when CPU-bound): "
              f"{results['floor'][0] / app_cpu:.0%}")

        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for n in range(10_000, 10_000 + args.saves):
                app_save(n + 3 * args.saves)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
            stats.print_stats(45)
            stats.print_callees("save_answer")
            stats.sort_stats("tottime").print_stats(25)
            print(out.getvalue())
    finally:
        if created_pg:
            created_pg.drop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
