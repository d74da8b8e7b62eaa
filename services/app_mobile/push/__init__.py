"""Push notifications: a Notification row per user and message, delivered by a provider.

The provider is chosen by ``WANZO_PUSH["PROVIDER"]`` as Django chooses its mail backend: a short
alias (``logging``, ``locmem``, ``webpush``) or a dotted path to a module exporting
``Provider`` (or to the class itself). See :mod:`push.providers`.
"""
