"""Benchmark data: N candidates (cheap shared password hash, a few with real scrypt) and one exam open now.

Run by bench/autosave.py after `flask db upgrade` and `flask bank load`, with the same environment
(DATABASE_URL, SECRET_KEY, PASSWORD_HASH_METHOD). Prints one JSON line: {"exam": id, "candidates": n, ...}.

    python bench/setup_data.py --candidates 500 --scrypt-sample 20
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, os.environ.get("EXAMAPP_SOURCE") or str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert
from werkzeug.security import generate_password_hash

from examapp import create_app
from examapp.access.roles import CANDIDATE
from examapp.accounts.models import PartyOrganization, User
from examapp.bank import qtypes
from examapp.exams import services
from examapp.exams.assembly import Section
from examapp.exams.grading import PARTIAL_HALF
from examapp.exams.models import REVIEW_AFTER_CLOSE
from examapp.extensions import db
from examapp.timeutil import utcnow

PASSWORD = "bench1234"
# The demo exam's structure: 90 items, as in a real 书记大比武 paper.
SECTIONS = [Section(t.code, t.default_section[0], float(t.default_section[1])) for t in qtypes.all_types()]


def username(index: int) -> str:
    return f"bench{index:04d}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--scrypt-sample", type=int, default=20,
                        help="the first K candidates get a real scrypt hash (login cost as in production)")
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        now = utcnow()
        cheap = generate_password_hash(PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])
        real = generate_password_hash(PASSWORD, method="scrypt")
        orgs = []
        for index in range(1, (args.candidates + 9) // 10 + 1):
            org = PartyOrganization(name=f"基准测试·第{index:03d}党支部", kind="机关部门", sort_order=index)
            db.session.add(org)
            orgs.append(org)
        db.session.flush()
        db.session.execute(insert(User), [
            {"username": username(i), "name": f"基准考生{i:04d}", "role": CANDIDATE,
             "organization_id": orgs[(i - 1) // 10].id, "phone": "", "active": True,
             "password_hash": real if i <= args.scrypt_sample else cheap, "must_change_password": False,
             "password_changed_at": now, "is_demo": False, "created_at": now,
             "session_nonce": ""}
            for i in range(1, args.candidates + 1)])
        db.session.commit()
        users_done = time.perf_counter()
        opens = now.replace(microsecond=0) - timedelta(minutes=10)
        definition = services.ExamDefinition(
            title="基准测试：自动保存负载", description="benchmark", opens_at=opens,
            closes_at=opens + timedelta(hours=6), duration_minutes=240, sections=SECTIONS,
            multiple_rule=PARTIAL_HALF, pass_mark=60, review_policy=REVIEW_AFTER_CLOSE)
        exam = services.save_exam(definition)
        drawn = services.publish_exam(exam)
        db.session.commit()
        import examapp
        print(json.dumps({"examapp": examapp.__file__, "exam": exam.id, "candidates": args.candidates, "papers": drawn,
                          "items_per_paper": sum(s.count for s in SECTIONS), "password": PASSWORD,
                          "users_seconds": round(users_done - started, 2),
                          "publish_seconds": round(time.perf_counter() - users_done, 2)}))


if __name__ == "__main__":
    main()
