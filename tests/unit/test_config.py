"""Settings: precedence, conversion, and documentation of every setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from openhat.config import SETTINGS, Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_precedence_default_then_environment_then_flags() -> None:
    assert Settings.load({}, {}).port == 8080
    assert Settings.load({}, {"OPENHAT_PORT": "9000"}).port == 9000
    assert Settings.load({"port": 9100}, {"OPENHAT_PORT": "9000"}).port == 9100
    assert Settings.load({"port": None}, {"OPENHAT_PORT": "9000"}).port == 9000  # unset flag


def test_empty_variable_means_unset() -> None:
    assert Settings.load({}, {"OPENHAT_OWNER": ""}).owner == "owner"


def test_public_domain_defaults_to_host_and_port() -> None:
    assert Settings.load({}, {}).public_domain == "127.0.0.1:8080"
    assert Settings.load({"domain": "alice.example.com"}, {}).public_domain == "alice.example.com"


def test_bad_number_names_the_variable() -> None:
    with pytest.raises(ValueError, match="OPENHAT_PORT"):
        Settings.load({}, {"OPENHAT_PORT": "eighty"})


def test_password_is_not_in_the_repr() -> None:
    assert "secret-value" not in repr(Settings(owner_password="secret-value"))


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented(setting: object) -> None:
    text = DOCS.read_text()
    assert f"`{setting.env}`" in text  # type: ignore[attr-defined]
    assert f"`--{setting.name.replace('_', '-')}`" in text  # type: ignore[attr-defined]
