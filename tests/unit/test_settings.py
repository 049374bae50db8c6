"""Settings read from the environment: the fields the migrate function, CORS and the logger read through it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from farm_erp import settings
from farm_erp.settings import Settings

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:farm-db-master-AbCdEf"


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Change the environment, then read it again as a new container would; the next test starts clean."""
    yield monkeypatch
    monkeypatch.undo()
    settings.reset_caches()


def test_defaults_without_environment() -> None:
    s = Settings.from_env({})
    assert s.allowed_origins == ("*",)
    assert (s.db_master_host, s.db_master_secret_arn, s.db_app_secret_arn) == (None, None, None)
    assert (s.farm_admin_email, s.farm_admin_password, s.farm_admin_password_secret_arn) == (
        "admin@farm.local",
        None,
        None,
    )
    assert (s.service_name, s.powertools_metrics_namespace) == ("farm-erp", "FarmErp")


@pytest.mark.parametrize(
    ("raw", "origins"),
    [
        ("https://farm.example.com", ("https://farm.example.com",)),
        (" https://a.example.com , https://b.example.com ,", ("https://a.example.com", "https://b.example.com")),
        ("*", ("*",)),
        ("", ("*",)),
        (" , ", ("*",)),
    ],
)
def test_allowed_origins_is_a_comma_list_and_blank_means_any(raw: str, origins: tuple[str, ...]) -> None:
    assert Settings.from_env({"ALLOWED_ORIGINS": raw}).allowed_origins == origins


def test_migrate_and_admin_fields_are_read_by_their_upper_case_names() -> None:
    s = Settings.from_env(
        {
            "DB_MASTER_HOST": "farm.cluster-abc.eu-west-1.rds.amazonaws.com",
            "DB_MASTER_SECRET_ARN": ARN,
            "DB_APP_SECRET_ARN": ARN + "-app",
            "FARM_ADMIN_EMAIL": "owner@farm.test",
            "FARM_ADMIN_PASSWORD": "Correct-Horse-Battery-9",
            "FARM_ADMIN_PASSWORD_SECRET_ARN": ARN + "-admin",
            "POWERTOOLS_METRICS_NAMESPACE": "FarmErpStaging",
        }
    )
    assert s.db_master_host == "farm.cluster-abc.eu-west-1.rds.amazonaws.com"
    assert (s.db_master_secret_arn, s.db_app_secret_arn) == (ARN, ARN + "-app")
    assert (s.farm_admin_email, s.farm_admin_password) == ("owner@farm.test", "Correct-Horse-Battery-9")
    assert s.farm_admin_password_secret_arn == ARN + "-admin"
    assert s.powertools_metrics_namespace == "FarmErpStaging"


def test_admin_password_is_kept_out_of_repr() -> None:
    s = Settings.from_env({"FARM_ADMIN_PASSWORD": "Correct-Horse-Battery-9"})
    assert "Correct-Horse-Battery-9" not in repr(s)


@pytest.mark.parametrize("host", [None, ""])
def test_master_secret_without_master_host_refuses_to_start(host: str | None) -> None:
    env = {"DB_MASTER_SECRET_ARN": ARN} | ({} if host is None else {"DB_MASTER_HOST": host})
    with pytest.raises(RuntimeError, match="DB_MASTER_HOST must be set with DB_MASTER_SECRET_ARN"):
        Settings.from_env(env)


def test_reset_caches_reads_the_changed_environment(fresh_settings: pytest.MonkeyPatch) -> None:
    fresh_settings.setenv("ALLOWED_ORIGINS", "https://one.example.com")
    fresh_settings.setenv("FARM_ADMIN_EMAIL", "first@farm.test")
    settings.reset_caches()
    assert settings.get_settings().allowed_origins == ("https://one.example.com",)
    fresh_settings.setenv("ALLOWED_ORIGINS", "https://two.example.com")
    fresh_settings.setenv("FARM_ADMIN_EMAIL", "second@farm.test")
    assert settings.get_settings().farm_admin_email == "first@farm.test"  # read once per container
    settings.reset_caches()
    assert settings.get_settings().allowed_origins == ("https://two.example.com",)
    assert settings.get_settings().farm_admin_email == "second@farm.test"
