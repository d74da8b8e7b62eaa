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


def test_a_key_set_comes_from_several_pem_blocks_in_a_variable_or_a_file(tmp_path):
    from wanzo_common.api.conf import public_keys
    from wanzo_common.api.keys import read_keys

    first, second = generate_key_pair()[1], generate_key_pair()[1]
    both = first + second
    assert read_keys(
        env(tmp_path, JWT_PUBLIC_KEYS=both.replace("\n", "\\n")), "JWT_PUBLIC_KEYS"
    ) == [first.strip(), second.strip()]
    (tmp_path / "keys.pem").write_text(both)
    keys = public_keys(
        env(tmp_path, JWT_PUBLIC_KEY=first, JWT_PUBLIC_KEYS_FILE=str(tmp_path / "keys.pem"))
    )
    assert keys == [first, first.strip(), second.strip()]
    assert read_keys(env(tmp_path), "JWT_PUBLIC_KEYS") == []


def test_the_settings_split_the_set_into_the_first_key_and_the_others(tmp_path):
    from wanzo_common.api.conf import api_settings, jwt_settings

    first, second = generate_key_pair()[1], generate_key_pair()[1]
    values = env(tmp_path, JWT_PUBLIC_KEY=first, JWT_PUBLIC_KEYS=second)
    assert jwt_settings(values)["VERIFYING_KEY"] == first
    assert api_settings(values)["PUBLIC_KEYS"] == [second.strip()]
