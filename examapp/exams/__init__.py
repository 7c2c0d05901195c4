"""Exams: definitions, paper assembly, attempts with a server-held clock, autosave, grading."""
