"""Operations: `flask backup`, `flask restore` and `flask check` (the exam-day checklist)."""
