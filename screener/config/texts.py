"""The fixed texts of the briefing, per language: ``templates/i18n/<name>.<lang>.yaml``.

English is the reference: every language must define exactly its keys, so a missing or stray
translation fails loudly instead of rendering blank. A file is either flat (key -> text) or,
for the model section, sectioned (section -> key -> text).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError
from .loader import line_of, read_yaml

LANGUAGES: tuple[str, ...] = ("en", "zh")
#: the sections of the model section's texts that must match English key for key
MODEL_SECTIONS = ("text", "notes", "formats", "methods", "chart")
#: the sections that may translate only some keys (the rest fall back to the model's wording)
MODEL_GLOSSARY = ("calibration_descriptions", "units")


def check_lang(lang: str) -> str:
    """``lang`` if the briefing speaks it, else :class:`InputError` naming the choices."""
    if lang not in LANGUAGES:
        raise InputError(f"unknown language {lang!r}; choose one of: {', '.join(LANGUAGES)}")
    return lang


def find_text_file(template_dirs: Sequence[Path], name: str, lang: str) -> Path:
    """``i18n/<name>.<lang>.yaml`` in the first template folder that has it (the workspace's
    before the shipped one)."""
    for folder in template_dirs:
        path = Path(folder) / "i18n" / f"{name}.{lang}.yaml"
        if path.is_file():
            return path
    raise ConfigError(f"no i18n/{name}.{lang}.yaml in " + ", ".join(map(str, template_dirs)))


def _flat(path: Path, doc: Any, loc: tuple[str, ...] = ()) -> dict[str, str]:
    if not isinstance(doc, Mapping):
        where = ".".join(loc) or "(file)"
        raise ConfigError(f"{path}:1: {where}: expected a mapping of text keys to texts")
    out = {}
    for key, value in doc.items():
        if not isinstance(value, str):
            where = ".".join((*loc, str(key)))
            raise ConfigError(f"{path}:{line_of(doc, (key,))}: {where}: expected text")
        out[str(key)] = str(value)
    return out


def _compare(path: Path, ref_path: Path, section: str, ref: Mapping, own: Mapping) -> None:
    missing = sorted(set(ref) - set(own))
    extra = sorted(set(own) - set(ref))
    if missing or extra:
        what = f"lacks {', '.join(missing)}" if missing else f"has unknown {', '.join(extra)}"
        where = f"{section}: " if section else ""
        raise ConfigError(f"{path}: {where}{what} (keys must match {ref_path.name})")


def load_flat_texts(reference: Path, path: Path) -> dict[str, str]:
    """The texts at ``path``, checked key for key against English at ``reference``."""
    ref = _flat(reference, read_yaml(reference))
    if path == reference:
        return ref
    own = _flat(path, read_yaml(path))
    _compare(path, reference, "", ref, own)
    return own


def _sectioned(path: Path) -> dict[str, dict[str, str]]:
    doc = read_yaml(path)
    if not isinstance(doc, Mapping):
        raise ConfigError(f"{path}:1: (file): expected a mapping of sections")
    glossary = doc.get("glossary") or {}
    out = {s: _flat(path, doc.get(s), (s,)) for s in MODEL_SECTIONS}
    for s in MODEL_GLOSSARY:
        out[s] = _flat(path, glossary.get(s) or {}, ("glossary", s))
    return out


def load_model_texts(reference: Path, path: Path) -> dict[str, dict[str, str]]:
    """The model section's texts at ``path``: ``{section: {key: text}}``, every section but
    the glossary checked key for key against English at ``reference``."""
    ref = _sectioned(reference)
    if path == reference:
        return ref
    own = _sectioned(path)
    for section in MODEL_SECTIONS:
        _compare(path, reference, section, ref[section], own[section])
    return own
