"""Imports every domain's models so that the metadata (and Alembic) sees the whole schema."""
import examapp.accounts.models
import examapp.audit.models
import examapp.bank.models
import examapp.exams.models
import examapp.learning.models
import examapp.publishing.models
import examapp.scoring.models
import examapp.settings.models  # noqa: F401
