"""Password hashing (Argon2id) and the 等保三级 password rule."""

from __future__ import annotations

import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_request_context
from flask_babel import gettext

MIN_LENGTH = 8


def _(message: str, **variables) -> str:
    """Translated inside the app; plain Chinese when checking configuration before it."""
    if has_request_context():
        return gettext(message, **variables)
    return message % variables if variables else message

_SYMBOLS = set(string.punctuation + " ")


def _classes(password: str) -> int:
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(c in _SYMBOLS or not c.isalnum() for c in password),
        )
    )


def password_problems(password: str) -> list[str]:
    """What is wrong with a new password (empty when it is acceptable).

    等保三级: at least 8 characters from at least 3 of 4 classes (lower, upper, digit, symbol).
    """
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("密码至少需要 %(n)d 个字符", n=MIN_LENGTH))
    if _classes(password) < 3:
        problems.append(_("密码需包含小写字母、大写字母、数字、符号中的至少三类"))
    return problems


def _hasher() -> PasswordHasher:
    params = current_app.config["HUB_ARGON2"]
    return PasswordHasher(**params)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A fixed hash to verify against when the username is unknown, so that a wrong username
# takes as long as a wrong password (no user enumeration by timing).
_dummy_hash: dict[str, str] = {}


def dummy_check(password: str) -> None:
    hasher = _hasher()
    key = repr(current_app.config["HUB_ARGON2"])
    if key not in _dummy_hash:
        _dummy_hash[key] = hasher.hash(secrets.token_hex(16))
    try:
        hasher.verify(_dummy_hash[key], password)
    except (VerificationError, InvalidHashError):
        pass


def generate_password(length: int = 16) -> str:
    """A random password that satisfies the rule."""
    alphabet = string.ascii_letters + string.digits + "-_.!@#"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if _classes(candidate) == 4:
            return candidate
