"""gunicorn settings of the production profile (README “生产部署”):

    gunicorn -c gunicorn.conf.py wsgi:app

Every value can be changed by environment variable (or a command-line flag, which wins)."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers measured best for this app (bench/README.md); 2 per core plus one keeps both cores busy
# while some workers wait on the database.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A whole district pressing 开始考试 in the same second must queue, not be refused.
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
keepalive = 5
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# A worker is replaced after this many requests (memory hygiene); jitter avoids all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = 2000
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# Recent gunicorn (27) opens a control socket (for gunicornc) in the service user's home by default, one path for every
# instance on the machine. Nothing here uses it: off unless a path is given (older gunicorn ignores both names).
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
