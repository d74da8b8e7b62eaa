"""The bounded ``app_version`` label: ``major.minor`` of a version string, else ``other``.

Clients send any string as their version; a label value per string would grow the metric
without bound. ``"2.3.1"``, ``"v2.3"``, ``"2.3.0-beta+45"`` all become ``"2.3"``; a major or
minor above 99, or anything that does not start with ``digits.digits``, becomes ``"other"``.
So the label takes at most 10,000 values in theory and a few releases' worth in practice.
"""

from __future__ import annotations

import re

_VERSION = re.compile(r"^[vV]?(\d{1,2})\.(\d{1,2})(?:[.\-+ ].*)?$")
OTHER = "other"


def app_version_label(version: str) -> str:
    match = _VERSION.match(version.strip())
    if match is None:
        return OTHER
    major, minor = match.groups()
    return f"{int(major)}.{int(minor)}"
