"""Settings: declared once, with help text; defaults < `OPENHAT_*` environment < CLI flags.

The CLI builds its `serve` options from `SETTINGS`, and a test checks that
`docs/configuration.md` names every one, so a setting cannot exist undocumented.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "OPENHAT_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("host", str, "127.0.0.1", "Interface to listen on."),
    Setting("port", int, 8080, "TCP port to listen on."),
    Setting("database", str, "sqlite:///./openhat-data/openhat.db",
            "Database URL: sqlite:///PATH or postgresql://USER@HOST:PORT/DB."),
    Setting("domain", str, "",
            "The HAT's public address (HOST[:PORT]) as clients reach it; the tokens' `iss`. "
            "Default: HOST:PORT."),
    Setting("workers", int, 1, "Number of server processes."),
    Setting("owner", str, "owner", "Owner username, used when the HAT is first created."),
    Setting("owner_password", str, "",
            "Owner password for a new HAT; when empty a password is generated and printed once."),
    Setting("max_body_bytes", int, 10 * 1024 * 1024,
            "Largest accepted request body in bytes (413 above it)."),
    Setting("token_lifetime_days", int, 30,
            "Days a token lives from login, however often it is refreshed."),
    Setting("token_idle_days", int, 3, "Days a token lives without being refreshed."),
    Setting("log_level", str, "info", "Log level: debug, info, warning, error."),
    Setting("forwarded_allow_ips", str, "",
            "Comma-separated addresses of reverse proxies whose X-Forwarded-For and "
            "X-Forwarded-Proto are believed ('*' for any). Default: none."),
    Setting("header_timeout", int, 10,
            "Seconds a client has to send a request's headers before the connection is closed."),
    Setting("body_timeout", int, 120,
            "Seconds a client has to send a request's body after its headers."),
)


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    database: str = "sqlite:///./openhat-data/openhat.db"
    domain: str = ""
    workers: int = 1
    owner: str = "owner"
    owner_password: str = field(default="", repr=False)
    max_body_bytes: int = 10 * 1024 * 1024
    token_lifetime_days: int = 30
    token_idle_days: int = 3
    log_level: str = "info"
    forwarded_allow_ips: str = ""
    header_timeout: int = 10
    body_timeout: int = 120

    @property
    def public_domain(self) -> str:
        """The address clients reach: `--domain`, or HOST:PORT."""
        return self.domain or f"{self.host}:{self.port}"

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None,
             environ: Mapping[str, str] | None = None) -> Settings:
        """Defaults, then `OPENHAT_*` variables, then explicit overrides (None means unset)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            raw = env.get(setting.env)
            if raw is not None and raw != "":
                values[setting.name] = _convert(setting, raw)
        for key, value in (overrides or {}).items():
            if value is not None:
                values[key] = value
        return replace(cls(), **values)


def _convert(setting: Setting, raw: str) -> Any:
    if setting.type is int:
        try:
            return int(raw)
        except ValueError as exc:
            raise ValueError(f"{setting.env} must be a whole number, not {raw!r}") from exc
    return raw


assert [s.name for s in SETTINGS] == [f.name for f in fields(Settings)], "SETTINGS out of step"
