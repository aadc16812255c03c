"""Tables, engines and Alembic migrations."""
