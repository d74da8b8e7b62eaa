"""Key loading from the environment and key files, and the development pair of ``make up``."""

from __future__ import annotations

import stat

from wanzo_common.api.keys import generate_key_pair, read_key, write_dev_key_pair
from wanzo_common.env import Env


def env(tmp_path, **values: str) -> Env:
    return Env(tmp_path / "missing.env", environ=values)


def test_a_key_comes_from_the_variable_with_escaped_newlines(tmp_path):
    _, public = generate_key_pair()
    escaped = public.replace("\n", "\\n")
    assert read_key(env(tmp_path, JWT_PUBLIC_KEY=escaped), "JWT_PUBLIC_KEY") == public


def test_a_key_comes_from_its_file(tmp_path):
    private_path, public_path = write_dev_key_pair(tmp_path / "jwt")
    loaded = read_key(env(tmp_path, JWT_PUBLIC_KEY_FILE=str(public_path)), "JWT_PUBLIC_KEY")
    assert loaded == public_path.read_text()
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600


def test_an_unreadable_key_file_is_no_key(tmp_path):
    assert read_key(env(tmp_path, JWT_PUBLIC_KEY_FILE="/no/such.pem"), "JWT_PUBLIC_KEY") is None


def test_the_dev_pair_is_made_once(tmp_path):
    first = [path.read_text() for path in write_dev_key_pair(tmp_path)]
    again = [path.read_text() for path in write_dev_key_pair(tmp_path)]
    assert first == again
