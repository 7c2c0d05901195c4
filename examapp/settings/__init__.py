"""The office's system settings: issuing organ, district wording, document numbers, signature, contact, highlights."""
