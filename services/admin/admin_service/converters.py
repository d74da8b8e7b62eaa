"""The ``<extid:...>`` path converter: ids issued by other services (auth's UUIDs).

Ids of users and organisations come from auth as strings; a plain ``<str:>`` would let any
text (a NUL byte, which PostgreSQL refuses with an error) reach a query. Anything that is not
id-like is simply not found.
"""

from django.urls import register_converter


class ExternalIdConverter:
    regex = r"[A-Za-z0-9_.:-]{1,200}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExternalIdConverter, "extid")
