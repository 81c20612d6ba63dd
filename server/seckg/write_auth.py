"""Who may write: named bearer tokens read from a file the operator keeps.

The file has one `name:token` per line (blank lines and `#` comments allowed).
The name is what the write log records; the token itself is never logged,
echoed or stored anywhere else. A presented token is compared with every
configured one in constant time (`hmac.compare_digest`), always with all of
them, so the time taken says nothing about which token came close.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

MIN_TOKEN_LENGTH = 16
_NAME = re.compile(r"^[A-Za-z0-9._@-]+$")


class TokenFileError(ValueError):
    """The token file cannot be used; the message names the line, never the token."""


@dataclass(frozen=True)
class WriteTokens:
    tokens: tuple[tuple[str, bytes], ...] = field(repr=False)  # (name, secret)

    @classmethod
    def from_file(cls, path: str | Path) -> WriteTokens:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise TokenFileError(f"cannot read the token file {path}: {error.strerror}") from None
        tokens: list[tuple[str, bytes]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, sep, secret = line.partition(":")
            name, secret = name.strip(), secret.strip()
            if not sep or not _NAME.match(name):
                raise TokenFileError(f"{path}:{number}: expected name:token, the name made of letters, "
                                     "digits and . _ @ -")
            if len(secret) < MIN_TOKEN_LENGTH:
                raise TokenFileError(f"{path}:{number}: the token of {name!r} is shorter than {MIN_TOKEN_LENGTH} "
                                     "characters; make one with `seckg token NAME`")
            if any(name == known for known, _ in tokens):
                raise TokenFileError(f"{path}:{number}: the name {name!r} is given twice")
            tokens.append((name, secret.encode()))
        if not tokens:
            raise TokenFileError(f"{path} holds no token: writes would be impossible")
        return cls(tuple(tokens))

    def name_for(self, authorization: str | None) -> str | None:
        """The name of the token in an `Authorization: Bearer …` header, None if it is not one of ours."""
        if not authorization:
            return None
        scheme, _, presented = authorization.strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        presented_bytes = presented.strip().encode()
        found = None
        for name, secret in self.tokens:
            if hmac.compare_digest(presented_bytes, secret) and found is None:
                found = name
        return found


def new_token() -> str:
    return secrets.token_urlsafe(32)
