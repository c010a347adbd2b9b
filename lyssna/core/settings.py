"""One settings object, layered: CLI flag > LYSSNA_* environment > config file > default.

The config file is `config.toml` in the workspace home (LYSSNA_HOME). Any string value in it may
be written as `{"$env" = "NAME"}` to read a secret from the environment instead of the file.
Settings are built by `load_settings()`, never at import time.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from lyssna.core.errors import ConfigurationError

CONFIG_FILE_NAME = "config.toml"
DATABASE_FILE_NAME = "lyssna.db"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    home: Path
    database_url: str
    workspace: str = "default"
    # Processes for the CPU-heavy half of ingest (normalise, analyse, match); 0: one per core.
    ingest_workers: int = 0
    ingest_batch_size: int = 2000
    # The address people open the web app at (https://lyssna.example.com), for links the app
    # hands out, such as invitations; the web app falls back to the address it was reached at.
    public_url: str | None = None

    @field_validator("workspace")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not value or not all(c.isalnum() or c in "-_" for c in value):
            raise ValueError("a workspace name uses letters, digits, '-' and '_' only")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def redacted_database_url(self) -> str:
        """The database URL with any password hidden, for messages and logs."""
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("lyssna", appauthor=False))


def _resolve_env_references(value: Any, where: str) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$env"}:
            name = value["$env"]
            if name not in os.environ:
                raise ConfigurationError(f"{where} refers to ${name}, which is not set")
            return os.environ[name]
        return {k: _resolve_env_references(v, f"{where}.{k}") for k, v in value.items()}
    return value


def _read_config_file(home: Path) -> dict[str, Any]:
    path = home / CONFIG_FILE_NAME
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from exc
    return {k: _resolve_env_references(v, k) for k, v in data.items()}


_ENV_KEYS = {
    "database_url": "LYSSNA_DATABASE_URL",
    "workspace": "LYSSNA_WORKSPACE",
    "ingest_workers": "LYSSNA_INGEST_WORKERS",
    "ingest_batch_size": "LYSSNA_INGEST_BATCH_SIZE",
    "public_url": "LYSSNA_PUBLIC_URL",
}


def load_settings(**flags: Any) -> Settings:
    """Build the settings; `flags` are CLI options (None means not given)."""
    flags = {k: v for k, v in flags.items() if v is not None}
    home = Path(flags.pop("home", None) or os.environ.get("LYSSNA_HOME") or default_home())
    home = home.expanduser().resolve()
    values: dict[str, Any] = _read_config_file(home)
    for key, env_name in _ENV_KEYS.items():
        if os.environ.get(env_name):
            values[key] = os.environ[env_name]
    values.update(flags)
    values.setdefault("database_url", f"sqlite:///{home / DATABASE_FILE_NAME}")
    try:
        return Settings(home=home, **values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from exc
