"""Database models, sessions, migrations and repositories."""
