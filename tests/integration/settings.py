"""Settings of the test project when a real gunicorn serves it (``tests.integration.wsgi``).

The same as ``tests.settings``, with a fast password hasher: HTTP basic auth checks the password
on every request, and Django's default PBKDF2 (about 0.4 s a check here) would make the
``active_users`` test spend its time hashing instead of spreading requests over workers.
"""

from tests.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
