"""Learning: reading the regulation, practice, the daily drill, the 错题本 and mastery."""
