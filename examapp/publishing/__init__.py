"""Publishing: frozen snapshots of a ranking or an exam's results, their documents, and who sees what."""
