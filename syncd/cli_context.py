"""Lazily opened settings and database shared by the CLI commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from syncd import render
from syncd.config import Settings, load_settings
from syncd.errors import ConfigError


class Context:
    """Lazily opened settings and database for one command."""

    def __init__(self, config: Path | None, database: str | None, verbose: bool) -> None:
        self.config_path = config
        self.database = database
        self.verbose = verbose
        self._settings: Settings | None = None
        self._engine: Any = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings

    @property
    def url(self) -> str:
        return self.database or self.settings.database_url()

    @property
    def engine(self) -> Any:
        if self._engine is None:
            from syncd.store.db import make_engine

            self._engine = make_engine(self.url)
        return self._engine

    def session(self) -> Any:
        from syncd.store.db import session_factory

        return session_factory(self.engine).begin()

    def pipeline(self, progress: Any = None) -> Any:
        from syncd.pipeline import Pipeline

        self.require_schema()
        p = Pipeline(self.settings, self.engine, progress=progress)
        p.prepare()
        return p

    def require_schema(self) -> None:
        from syncd.store.migrate import current_revision

        if current_revision(self.engine) is None:
            raise ConfigError(
                [
                    f"database {render.safe_url(self.url)} has no syncd schema: "
                    "run `syncd init` first"
                ]
            )
