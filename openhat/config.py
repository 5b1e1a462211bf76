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
    Setting("files_url", str, "",
            "Where file contents are kept: empty for the local blob store (in --files-dir), "
            "or s3://BUCKET[?endpoint=URL&region=NAME] for S3-compatible storage."),
    Setting("files_dir", str, "",
            "Directory of the local blob store. Default: `files` beside the SQLite "
            "database (./openhat-data/files with PostgreSQL)."),
    Setting("files_max_bytes", int, 1024 * 1024 * 1024,
            "Largest file content accepted, in bytes (413 above it)."),
    Setting("smtp_url", str, "",
            "Mail server for password resets and address verification: "
            "smtp://USER:PASS@HOST:PORT (STARTTLS) or smtps://... (TLS). Default: no mail."),
    Setting("mail_from", str, "", "Sender address of the mails. Default: openhat@DOMAIN."),
    Setting("owner_email", str, "",
            "The owner's email address for a new HAT, counted as verified (password resets "
            "mail it)."),
    Setting("events_window_hours", int, 24,
            "Hours the change log keeps events for resuming streams (Last-Event-ID) and for "
            "webhooks that are behind."),
    Setting("events_heartbeat_seconds", int, 15,
            "Seconds between heartbeat comments on an idle event stream (the caller's access "
            "is checked again at each)."),
    Setting("events_buffer", int, 1000,
            "Events an event stream holds for a slow consumer before it waits."),
    Setting("events_stall_seconds", int, 10,
            "Seconds an event stream's buffer may stay full before the consumer is dropped."),
    Setting("events_streams_per_token", int, 5,
            "Event streams one token may hold open at once (in each worker process)."),
    Setting("webhook_retry_seconds", int, 10,
            "Seconds before a failed webhook delivery is tried again; doubles per attempt, "
            "up to an hour."),
    Setting("webhooks_allow_loopback", int, 0,
            "1: webhooks may call http:// URLs on loopback addresses (for tests); 0: https "
            "to public addresses only."),
    Setting("audit_retention_days", int, 365, "Days the access audit log keeps an entry."),
    Setting("metrics_token", str, "",
            "Bearer token that lets clients other than loopback read /metrics. Default: none "
            "(loopback only)."),
    Setting("apple_app_site_association", str, "",
            "JSON served at /.well-known/apple-app-site-association. Default: none (404)."),
    Setting("proxy_allow_private", int, 0,
            "1 lets the application proxy reach loopback and private addresses, also over "
            "http (for tests). Default 0: https to public addresses only."),
    Setting("proxy_timeout", int, 30,
            "Seconds the application proxy waits for an application's API."),
    Setting("proxy_max_bytes", int, 10 * 1024 * 1024,
            "Largest answer the application proxy passes on (502 above it)."),
    Setting("adjudicator_url", str, "",
            "Base URL of the contract adjudicator that verifies contract tokens. Default: none "
            "(the contract routes answer 400)."),
    Setting("adjudicator_secret", str, "",
            "Shared secret (HS256) that signs openhat's requests to the adjudicator."),
    Setting("database_allowance_mb", int, 100,
            "Database storage the system status reports as the HAT's allowance (MB; only "
            "reported, never enforced, as the original)."),
    Setting("file_allowance_mb", int, 100,
            "File storage the system status reports as the HAT's allowance (MB; only "
            "reported, never enforced)."),
    Setting("she_interval_seconds", int, 3600,
            "How often the built-in SHE functions that are due run (0: only when triggered)."),
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
    files_url: str = ""
    files_dir: str = ""
    files_max_bytes: int = 1024 * 1024 * 1024
    smtp_url: str = field(default="", repr=False)
    mail_from: str = ""
    owner_email: str = ""
    events_window_hours: int = 24
    events_heartbeat_seconds: int = 15
    events_buffer: int = 1000
    events_stall_seconds: int = 10
    events_streams_per_token: int = 5
    webhook_retry_seconds: int = 10
    webhooks_allow_loopback: int = 0
    audit_retention_days: int = 365
    metrics_token: str = field(default="", repr=False)
    apple_app_site_association: str = ""
    proxy_allow_private: int = 0
    proxy_timeout: int = 30
    proxy_max_bytes: int = 10 * 1024 * 1024
    adjudicator_url: str = ""
    adjudicator_secret: str = field(default="", repr=False)
    database_allowance_mb: int = 100
    file_allowance_mb: int = 100
    she_interval_seconds: int = 3600

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
