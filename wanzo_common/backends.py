"""Backends chosen by settings, as Django's mail backends are: a short alias or a dotted path.

The events transport and app_mobile's push provider are each named by one setting. Both resolve
the same way: an alias from a fixed table, else a dotted path to a class or to a module that
exports the conventional class name; an unknown alias fails with a "did you mean".
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


def resolve_backend(
    name: str, *, aliases: Mapping[str, str], base: type, class_name: str, kind: str
) -> type:
    """The ``base`` subclass ``name`` designates; ``ImproperlyConfigured`` otherwise."""
    path = aliases.get(name, name)
    if "." not in path:
        hint = difflib.get_close_matches(name, aliases, n=1)
        suggestion = f" Did you mean {hint[0]!r}?" if hint else ""
        raise ImproperlyConfigured(
            f"Unknown {kind} {name!r}; use one of {sorted(aliases)} or a dotted path.{suggestion}"
        )
    try:
        found: Any = import_string(path)
    except ImportError:
        try:
            found = import_string(f"{path}.{class_name}")
        except ImportError as exc:
            raise ImproperlyConfigured(f"Cannot import {kind} {name!r}: {exc}") from exc
    if not (isinstance(found, type) and issubclass(found, base)):
        found = getattr(found, class_name, None)
    if isinstance(found, type) and issubclass(found, base):
        return found
    raise ImproperlyConfigured(f"{name!r} is not a {base.__name__} subclass or a module with one.")


def unknown_keys(given: Mapping[str, Any], known: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(key, hint)`` for each key of a settings dict that its defaults do not know."""
    found = []
    for key in given:
        if key not in known:
            match = difflib.get_close_matches(key, known, n=1)
            found.append(
                (key, f"Did you mean {match[0]!r}?" if match else f"Known: {sorted(known)}.")
            )
    return found
