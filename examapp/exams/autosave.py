"""Autosave, the hot path of an exam: one lookup and one upsert; an older save never wins."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from examapp.access.policy import ended_session_error
from examapp.access.roles import CANDIDATE
from examapp.accounts.models import User
from examapp.bank import qtypes
from examapp.bank.core import OPTION_KEYS, count_blanks
from examapp.bank.models import QuestionVersion
from examapp.exams import grading, timer
from examapp.exams.attempts import settings_grace
from examapp.exams.models import (
    IN_PROGRESS,
    Answer,
    Attempt,
    PaperItem,
)
from examapp.exams.services import ExamError
from examapp.extensions import db, insert_for
from examapp.timeutil import utcnow


@dataclass
class SaveResult:
    saved: bool            # this request's answer is the stored one (False: an equal or newer seq was kept)
    seq: int               # the request's seq
    deadline_at: datetime
    server_time: datetime
    stored_value: object = None   # what is stored now (and graded), whichever request wrote it
    stored_seq: int = 0


# The autosave statements are built once: constructing SQLAlchemy statements per call cost more than running them.
_SAVE_LOOKUP = (
    select(Attempt.status, Attempt.deadline_at, Attempt.user_id, PaperItem.type, PaperItem.option_order,
           QuestionVersion.stem, User.session_nonce, User.active, User.role, User.must_change_password)
    .join(PaperItem, PaperItem.attempt_id == Attempt.id)
    .join(QuestionVersion, QuestionVersion.id == PaperItem.question_version_id)
    .join(User, User.id == Attempt.user_id)
    .where(Attempt.id == bindparam("attempt_id"), PaperItem.id == bindparam("item_id"))
    # PostgreSQL: a share lock on the attempt row until this save commits, so a concurrent submit's
    # UPDATE waits for it and grades it, or the save waits for the submit and sees it finished. Either
    # way no acknowledged save is left out of the grade. (SQLite serialises writers with BEGIN IMMEDIATE
    # and leaves the clause out.)
    .with_for_update(read=True, of=Attempt))

@functools.cache
def _answer_upsert(dialect: str):
    """INSERT … ON CONFLICT (item_id) DO UPDATE … WHERE answer.seq < excluded.seq, for this dialect."""
    table = Answer.__table__
    stmt = insert_for(dialect)(table).values(
        attempt_id=bindparam("attempt_id"), item_id=bindparam("item_id"),
        value=bindparam("value", type_=table.c.value.type), seq=bindparam("seq"),
        saved_at=bindparam("saved_at"))
    return stmt.on_conflict_do_update(
        index_elements=[table.c.item_id],
        set_={"value": stmt.excluded.value, "seq": stmt.excluded.seq, "saved_at": stmt.excluded.saved_at},
        where=table.c.seq < stmt.excluded.seq).returning(table.c.seq)   # no row: dropped as not newer


def save_answer(attempt_id: int, user_id: int, item_id: int, value: object, seq: int,
                now: datetime | None = None, *, session_nonce: str | None = None) -> SaveResult:
    """Store one answer; an older save (lower seq) never overwrites a newer one.

    The hot path of an exam: one lookup and one upsert. The attempt row is not written (the
    monitor's "last activity" is the latest answer's saved_at). With `session_nonce` (the API), the
    lookup also checks the candidate's session, in place of Flask-Login's separate user query.
    """
    now = now or utcnow()
    row = db.session.execute(_SAVE_LOOKUP, {"attempt_id": attempt_id, "item_id": item_id}).first()
    if row is None or row.user_id != user_id:
        raise ExamError("找不到这道题目。", status=404)
    if session_nonce is not None:
        if not row.active or row.role != CANDIDATE or row.session_nonce != session_nonce:
            message, code = ended_session_error(row.active, row.session_nonce)
            raise ExamError(message, status=401, code=code)
        if row.must_change_password:
            raise ExamError("请先在页面上修改初始密码。", status=403)
    if row.status != IN_PROGRESS:
        raise ExamError("本次考试已交卷，不能再修改答案。", status=409)
    if not timer.accepts_save(row.deadline_at, now, settings_grace()):
        raise ExamError("考试时间已到，此次修改未能保存；此前已保存的答案有效。", status=409)
    keys = list(OPTION_KEYS[:len(row.option_order)])
    problem = grading.validate_response(row.type, value, keys, max(1, count_blanks(row.stem)))
    if problem:
        raise ExamError(problem, status=400)
    value = qtypes.get(row.type).canonical_response(value)
    written = db.session.execute(_answer_upsert(db.engine.dialect.name),
                                 {"attempt_id": attempt_id, "item_id": item_id, "value": value, "seq": seq,
                                  "saved_at": now}).first()
    if written is not None:
        return SaveResult(saved=True, seq=seq, deadline_at=row.deadline_at, server_time=now,
                          stored_value=value, stored_seq=seq)
    # Dropped: another page of this attempt saved the item with an equal or newer seq. Say what is stored,
    # so the page shows that instead of "已保存" for an answer that will not be graded. (A retry of a save
    # that did get stored finds its own answer here and is saved.)
    stored_value, stored_seq = db.session.execute(_STORED_ANSWER, {"item_id": item_id}).one()
    return SaveResult(saved=stored_seq == seq and stored_value == value, seq=seq, deadline_at=row.deadline_at,
                      server_time=now, stored_value=stored_value, stored_seq=stored_seq)


_STORED_ANSWER = select(Answer.value, Answer.seq).where(Answer.item_id == bindparam("item_id"))


def saved_answers(attempt: Attempt) -> dict[int, tuple[object, int]]:
    return {item_id: (value, seq) for item_id, value, seq in db.session.execute(
        select(Answer.item_id, Answer.value, Answer.seq).where(Answer.attempt_id == attempt.id))}

