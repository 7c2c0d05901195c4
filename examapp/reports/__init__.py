"""Published documents: the PDF 通报, 成绩通报 and score cards (pure: dicts in, bytes out), their fonts and charts."""
