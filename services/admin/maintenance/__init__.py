"""Maintenance announcements: windows when a service (or the whole platform) is unavailable."""
