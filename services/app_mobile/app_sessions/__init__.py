"""App sessions: a phone opens and closes the app (``app_sessions_total``)."""
