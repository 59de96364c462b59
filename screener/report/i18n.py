"""The briefing's fixed texts per language, from ``templates/i18n/briefing.<lang>.yaml``.

English is the reference: every language must define exactly its keys, so a missing or
stray translation fails loudly instead of rendering blank.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import ConfigError, InputError
from ..watchlists import line_of, read_yaml

LANGUAGES = ("en", "zh")


def _find(template_dirs: Sequence[Path], lang: str) -> Path:
    for folder in template_dirs:
        path = Path(folder) / "i18n" / f"briefing.{lang}.yaml"
        if path.is_file():
            return path
    raise ConfigError(f"no i18n/briefing.{lang}.yaml in " + ", ".join(map(str, template_dirs)))


def _read(path: Path) -> dict[str, str]:
    data = read_yaml(path, ConfigError)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: expected a mapping of text keys to texts")
    for key, value in data.items():
        if not isinstance(value, str):
            raise ConfigError(f"{path}:{line_of(data, (key,))}: {key}: expected text")
    return {str(k): str(v) for k, v in data.items()}


def load_texts(template_dirs: Sequence[Path], lang: str) -> dict[str, str]:
    """The fixed texts for ``lang`` (``en`` or ``zh``), checked against the English keys."""
    if lang not in LANGUAGES:
        raise InputError(f"--lang {lang!r}: choose one of {', '.join(LANGUAGES)}")
    reference_path = _find(template_dirs, "en")
    reference = _read(reference_path)
    if lang == "en":
        return reference
    path = _find(template_dirs, lang)
    texts = _read(path)
    missing = sorted(set(reference) - set(texts))
    extra = sorted(set(texts) - set(reference))
    if missing or extra:
        what = f"lacks {', '.join(missing)}" if missing else f"has unknown {', '.join(extra)}"
        raise ConfigError(f"{path}: {what} (keys must match {reference_path.name})")
    return texts
