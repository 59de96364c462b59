"""The per-user settings file: ``~/.config/screener/config.toml`` (or ``$SCREENER_CONFIG``).

Everything in it is optional; a missing file means every default::

    workspace = "~/research/screener"   # where your model/, watchlists/, templates/ live
    lang = "zh"                         # the briefing's default --lang
    output = "~/briefs"                 # the briefing's default --out folder
    calibration = "current"             # default --calibration of screen and model run

    [smtp]                              # for `screener brief --email TO`
    host = "smtp.example.com"
    port = 587
    starttls = true                     # or ssl = true (port 465)
    username = "me@example.com"
    password_env = "SCREENER_SMTP_PASSWORD"   # the password is read from this variable
    from = "me@example.com"

Parsed with :mod:`tomllib`, validated with pydantic like every other file (each problem reads
``path:line: key: problem``, :mod:`.loader`).
"""

from __future__ import annotations

import os
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import ConfigError
from .loader import _field_names, _message, raise_problems

#: ``$SCREENER_CONFIG`` names the file instead of the per-user default
ENV_VAR = "SCREENER_CONFIG"

_LANGS = {"en": "en", "zh": "zh", "en-us": "en", "en-gb": "en", "english": "en",
          "zh-cn": "zh", "zh-hans": "zh", "zh_cn": "zh", "cn": "zh", "chinese": "zh"}  # fmt: skip


class Smtp(BaseModel):
    """How ``screener brief --email`` sends the PDF."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    host: str
    port: int = Field(587, ge=1, le=65535)
    starttls: bool = True
    ssl: bool = False
    username: str | None = None
    #: the password itself (prefer password_env: this file is easier to leak than a variable)
    password: str | None = None
    password_env: str = "SCREENER_SMTP_PASSWORD"
    from_addr: str | None = Field(None, alias="from")
    timeout_s: float = Field(30.0, gt=0, le=600)

    def secret(self) -> str | None:
        """The password: ``password``, else the variable ``password_env`` names."""
        return self.password or os.environ.get(self.password_env) or None

    @property
    def sender(self) -> str:
        return self.from_addr or self.username or f"screener@{self.host}"


class UserConfig(BaseModel):
    """The per-user settings (all optional)."""

    model_config = ConfigDict(extra="forbid")

    workspace: Path | None = None
    lang: Literal["en", "zh"] | None = None
    output: Path | None = None
    calibration: str | None = None
    smtp: Smtp | None = None

    @field_validator("lang", mode="before")
    @classmethod
    def _lang(cls, value: Any) -> Any:
        return _LANGS.get(str(value).strip().lower(), value) if value is not None else None

    @field_validator("workspace", "output", mode="after")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None


def config_path() -> Path:
    """``$SCREENER_CONFIG``, else ``config.toml`` in the per-user config folder
    (``~/.config/screener/`` on Linux)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("screener", appauthor=False)) / "config.toml"


def _line_of(text: str, loc: tuple) -> int:
    """The line of ``loc`` (``("smtp", "port")``) in TOML ``text``: its ``[table]`` header,
    then the key inside it; 1 when not found."""
    lines = text.splitlines()
    table, key = (loc[0], loc[1]) if len(loc) > 1 else (None, loc[0] if loc else None)
    start, found = 0, 1
    if table is not None:
        header = re.compile(rf"^\s*\[\s*{re.escape(str(table))}\s*\]")
        for i, line in enumerate(lines):
            if header.match(line):
                start, found = i, i + 1
                break
    if key is None:
        return found
    pattern = re.compile(rf"^\s*\"?{re.escape(str(key))}\"?\s*=")
    for i in range(start, len(lines)):
        if i > start and table is None and lines[i].lstrip().startswith("["):
            break  # top-level keys come before the first table
        if pattern.match(lines[i]):
            return i + 1
    return found


def parse_user_config(path: Path, raw: bytes) -> UserConfig:
    """``raw`` (the bytes of ``path``) as a :class:`UserConfig`; any problem is a
    :class:`ConfigError` reading ``path:line: key: problem``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: (file): not UTF-8 text; save it as UTF-8") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        at = match.group(1) if match else "1"
        what = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(f"{path}:{at}: (toml): {what}") from exc
    try:
        return UserConfig.model_validate(data)
    except ValidationError as exc:
        known = _field_names(UserConfig) | {"from"}
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            key = ".".join(str(p) for p in loc) or "(file)"
            problems.append(f"{path}:{_line_of(text, loc)}: {key}: {_message(err, known)}")
        raise_problems(problems)
        raise  # unreachable


@lru_cache(maxsize=8)
def _load(path: str, stamp: tuple) -> UserConfig:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{p}:1: (file): cannot read: {exc.strerror or exc}") from exc
    return parse_user_config(p, raw)


def load_user_config(path: Path | None = None) -> UserConfig:
    """The user's settings (:func:`config_path` unless ``path`` is given); every default when
    the file does not exist. Re-read when the file changes."""
    path = Path(path) if path is not None else config_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        return UserConfig()
    except OSError as exc:
        raise ConfigError(f"{path}:1: (file): cannot read: {exc.strerror or exc}") from exc
    return _load(str(path), (st.st_ino, st.st_size, st.st_mtime_ns))
