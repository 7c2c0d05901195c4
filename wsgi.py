"""WSGI entry point: gunicorn 'wsgi:app', waitress-serve wsgi:app, and the flask CLI find it here."""
from examapp import create_app

app = create_app()
