"""The question bank: articles of the regulation, questions and their versions, formats, checks."""
