"""``.env`` creation: a fresh private key per service, an existing key kept."""

from __future__ import annotations

import stat
import textwrap
from pathlib import Path

from wanzo_common.devserver.envfile import ensure_env_file
from wanzo_common.env import Env

EXAMPLE = textwrap.dedent(
    """\
    # a comment
    DJANGO_SECRET_KEY=
    APP_PORT=8001
    LOG_LEVEL=INFO
    """
)


def service_dir(tmp_path: Path, name: str = "admin", example: str | None = EXAMPLE) -> Path:
    path = tmp_path / "services" / name
    path.mkdir(parents=True)
    if example is not None:
        (path / ".env.example").write_text(example)
    return path


def read(path: Path) -> Env:
    return Env(path, environ={})


def test_env_file_is_created_from_the_example_with_a_fresh_private_key(tmp_path):
    first, second = service_dir(tmp_path, "admin"), service_dir(tmp_path, "auth")
    note = ensure_env_file(first)
    ensure_env_file(second)
    values = read(first / ".env")
    key = values.str("DJANGO_SECRET_KEY")
    assert len(key) >= 50
    assert key != read(second / ".env").str("DJANGO_SECRET_KEY")
    assert (values.str("APP_PORT"), values.str("LOG_LEVEL")) == ("8001", "INFO")
    assert "# a comment" in (first / ".env").read_text()
    assert stat.S_IMODE((first / ".env").stat().st_mode) == 0o600
    assert "services/admin/.env" in note and key not in note


def test_an_existing_key_is_kept(tmp_path):
    path = service_dir(tmp_path)
    (path / ".env").write_text("DJANGO_SECRET_KEY=mine\nAPP_PORT=9000\n")
    assert ensure_env_file(path) is None
    assert (path / ".env").read_text() == "DJANGO_SECRET_KEY=mine\nAPP_PORT=9000\n"


def test_an_empty_key_in_an_existing_file_is_filled(tmp_path):
    path = service_dir(tmp_path)
    (path / ".env").write_text("APP_PORT=9000\nexport DJANGO_SECRET_KEY=\n")
    assert "added" in ensure_env_file(path)
    values = read(path / ".env")
    assert values.str("APP_PORT") == "9000" and values.str("DJANGO_SECRET_KEY")


def test_a_key_in_the_environment_does_not_stand_for_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "from-the-shell")
    path = service_dir(tmp_path)
    (path / ".env").write_text("APP_PORT=9000\n")
    assert "added" in ensure_env_file(path)


def test_a_key_is_written_even_without_an_example(tmp_path):
    path = service_dir(tmp_path, example=None)
    ensure_env_file(path)
    assert read(path / ".env").str("DJANGO_SECRET_KEY")


def test_defaults_fill_only_what_the_file_lacks(tmp_path):
    path = service_dir(tmp_path, example="JWT_PUBLIC_KEY_FILE=\nJWT_PRIVATE_KEY_FILE=/mine.pem\n")
    note = ensure_env_file(
        path, defaults={"JWT_PUBLIC_KEY_FILE": "/k/pub.pem", "JWT_PRIVATE_KEY_FILE": "/k/p.pem"}
    )
    values = read(path / ".env")
    assert values.str("JWT_PUBLIC_KEY_FILE") == "/k/pub.pem"
    assert values.str("JWT_PRIVATE_KEY_FILE") == "/mine.pem"
    assert "JWT_PUBLIC_KEY_FILE" in note and "/k/pub.pem" not in note
    assert ensure_env_file(path, defaults={"JWT_PUBLIC_KEY_FILE": "/other.pem"}) is None


def test_a_created_file_is_a_development_file_whatever_the_example_says(tmp_path):
    path = service_dir(tmp_path, example="DJANGO_DEBUG=false\nLOG_LEVEL=INFO\n")
    note = ensure_env_file(path)
    values = read(path / ".env")
    assert values.bool("DJANGO_DEBUG", False) and values.str("LOG_LEVEL") == "INFO"
    assert "DJANGO_DEBUG=true" in note
    assert (path / ".env.example").read_text().startswith("DJANGO_DEBUG=false")


def test_an_existing_file_keeps_its_debug_setting(tmp_path):
    path = service_dir(tmp_path)
    (path / ".env").write_text("DJANGO_SECRET_KEY=mine\nDJANGO_DEBUG=false\n")
    assert ensure_env_file(path) is None
    assert not read(path / ".env").bool("DJANGO_DEBUG", True)
