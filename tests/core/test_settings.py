from pathlib import Path

import pytest

from lyssna.core.errors import ConfigurationError
from lyssna.core.settings import load_settings


def test_defaults_put_the_database_in_home(tmp_path, monkeypatch):
    monkeypatch.setenv("LYSSNA_HOME", str(tmp_path))
    monkeypatch.delenv("LYSSNA_DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.home == tmp_path.resolve()
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'lyssna.db'}"
    assert settings.workspace == "default"


def test_precedence_flag_over_env_over_file(tmp_path, monkeypatch):
    (tmp_path / "config.toml").write_text('workspace = "fil"\ningest_batch_size = 10\n')
    monkeypatch.setenv("LYSSNA_HOME", str(tmp_path))
    assert load_settings().workspace == "fil"
    monkeypatch.setenv("LYSSNA_WORKSPACE", "miljo")
    assert load_settings().workspace == "miljo"
    assert load_settings(workspace="flagga").workspace == "flagga"
    assert load_settings().ingest_batch_size == 10


def test_secret_by_reference(tmp_path, monkeypatch):
    (tmp_path / "config.toml").write_text('database_url = {"$env" = "MY_DB"}\n')
    monkeypatch.setenv("LYSSNA_HOME", str(tmp_path))
    monkeypatch.delenv("LYSSNA_DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="MY_DB"):
        load_settings()
    monkeypatch.setenv("MY_DB", "postgresql+psycopg://u:secret@db/x")
    settings = load_settings()
    assert "secret" not in settings.redacted_database_url()


def test_bad_values_are_clear(tmp_path: Path):
    with pytest.raises(ConfigurationError, match="workspace"):
        load_settings(home=tmp_path, workspace="no spaces please")
    (tmp_path / "config.toml").write_text("this is = = not toml")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_settings(home=tmp_path)
