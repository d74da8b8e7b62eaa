"""Devices registered for push notifications, and the users known in each organisation."""
