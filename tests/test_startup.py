"""Configuration is checked at start-up; a bad value stops with one clear line."""

import os
import subprocess
import sys

import pytest

from hub.config import ConfigError, load_settings
from tests.conftest import SECRET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _env(tmp_path, **extra):
    return {"HUB_INSTANCE_PATH": str(tmp_path), "HUB_SECRET_KEY": SECRET, **extra}


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("HUB_DATABASE_URL", "mysql://u@h/db", "sqlite or postgresql"),
        ("HUB_DATABASE_URL", "not a url", "not a database URL"),
        ("HUB_PORT", "http", "whole number"),
        ("HUB_PORT", "70000", "between 1 and 65535"),
        ("HUB_REDIS_URL", "http://x", "HUB_REDIS_URL"),
        ("HUB_SECRET_KEY", "short", "at least 32"),
        ("HUB_DEMO_PASSWORD", "weak", "HUB_DEMO_PASSWORD"),
        ("HUB_SMTP_TLS", "maybe", "true or false"),
    ],
)
def test_bad_setting_is_refused_with_its_name(tmp_path, name, value, fragment):
    with pytest.raises(ConfigError) as err:
        load_settings(_env(tmp_path, **{name: value}))
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_secret_key_is_generated_once_with_private_mode(tmp_path):
    env = {"HUB_INSTANCE_PATH": str(tmp_path)}
    first = load_settings(env).secret_key
    second = load_settings(env).secret_key
    assert first == second and len(first) >= 32
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_instance_env_file_is_read_and_environment_wins(tmp_path):
    (tmp_path / "hub.env").write_text("HUB_PORT=5123\nHUB_SMTP_HOST=mail.local\n")
    settings = load_settings(_env(tmp_path, HUB_PORT="5999"))
    assert settings.port == 5999
    assert settings.smtp_host == "mail.local"


def _start(tmp_path, url):
    env = {**os.environ, **_env(tmp_path, HUB_DATABASE_URL=url)}
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60,
    )


@pytest.mark.parametrize(
    "url",
    ["mysql://user@localhost/hub", "postgresql://nobody@127.0.0.1:1/hub"],
    ids=["wrong-backend", "unreachable-server"],
)
def test_bad_database_url_stops_start_up_with_one_line(tmp_path, url):
    result = _start(tmp_path, url)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "HUB_DATABASE_URL" in lines[0]
