"""Imports every domain's models so that the metadata (and Alembic) sees the whole schema."""
from examapp.accounts.models import PartyOrganization, PasswordSheet, User  # noqa: F401
from examapp.audit.models import AuditEntry  # noqa: F401
from examapp.bank.models import Article, Document, Question, QuestionVersion  # noqa: F401
from examapp.exams.models import Answer, Attempt, AttemptEvent, Exam, PaperItem  # noqa: F401
from examapp.learning.models import DailyDrill, LearningSettings, PracticeAnswer  # noqa: F401
from examapp.publishing.models import Snapshot  # noqa: F401
from examapp.scoring.models import (  # noqa: F401
                                    EvaluationRound,
                                    RoundAssistance,
                                    RoundComputation,
                                    RoundConduct,
                                    RoundExamScore,
                                    RoundIndicator,
                                    RoundIndicatorRank,
                                    RoundOtherScore,
)
from examapp.settings.models import SystemSetting  # noqa: F401
