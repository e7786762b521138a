"""The Redis connection: configured URL, or the embedded server's socket."""

from __future__ import annotations

from flask import current_app
from redis import Redis

# The embedded server listens on this socket in the instance folder (started by the runner
# and by the test suite); every process derives the same URL from the instance path.
EMBEDDED_SOCKET = "redis.sock"


def redis_url(app=None) -> str:
    app = app or current_app
    url = app.config.get("HUB_REDIS_URL")
    if url:
        return url
    return f"unix://{app.instance_path}/{EMBEDDED_SOCKET}"


def get_redis(app=None) -> Redis:
    """A client with short timeouts: a down Redis must never hang a web request."""
    app = app or current_app
    client = app.extensions.get("hub_redis")
    if client is None:
        client = Redis.from_url(
            redis_url(app), socket_connect_timeout=0.5, socket_timeout=2, health_check_interval=30
        )
        app.extensions["hub_redis"] = client
    return client


def redis_ok(app=None) -> bool:
    try:
        return bool(get_redis(app).ping())
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False
