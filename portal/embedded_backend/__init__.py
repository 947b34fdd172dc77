"""Django's PostgreSQL backend, starting the embedded server when a connection opens."""
