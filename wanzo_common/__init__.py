"""Code shared by the Wanzo services: base settings, health views, monitoring and events."""
