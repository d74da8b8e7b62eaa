"""Offline sync: a phone sends the changes it made offline; each is applied exactly once."""
