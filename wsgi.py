"""WSGI entry point: ``gunicorn wsgi:app``. Never starts the scheduler (run ``flask scheduler run``)."""
from creditstreet import create_app

app = create_app()
