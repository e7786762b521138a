"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi``."""

from hub.startup import checked_app

app = checked_app()
