"""The fixed texts of the briefing, per language: ``templates/i18n/<name>.<lang>.yaml``.

English is the reference: every language must define exactly its keys, so a missing or stray
translation fails loudly instead of rendering blank. A file is either flat (key -> text) or,
for the model section, sectioned (section -> key -> text).

Texts are format strings the code fills (``{week}``), and a workspace's copy is untrusted (it
may come with a colleague's lists). Each text is checked when its file loads: placeholders are
plain names (no ``{day.__class__}``, ``{0[1]}``, ``{x!r}`` or ``{x:>999999}``), each one
known for that key (one the shipped files use for the key: they say what the code fills),
and no brace is left broken (``{week``); a problem reads ``path:line: key: problem``. Loaded
texts are :class:`Text`, whose :meth:`Text.format` fills plain names only, whatever the
caller does.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError
from ..paths import shipped
from .loader import line_of, problem, raise_problems, read_yaml
from .memo import memo

LANGUAGES: tuple[str, ...] = ("en", "zh")
#: the sections of the model section's texts that must match English key for key
MODEL_SECTIONS = ("text", "notes", "formats", "methods", "chart")
#: the sections that may translate only some keys (the rest fall back to the model's wording)
MODEL_GLOSSARY = ("calibration_descriptions", "units", "inputs", "sources")


def check_lang(lang: str) -> str:
    """``lang`` if the briefing speaks it, else :class:`InputError` naming the choices."""
    if lang not in LANGUAGES:
        raise InputError(f"unknown language {lang!r}; choose one of: {', '.join(LANGUAGES)}")
    return lang


# -- placeholders ------------------------------------------------------------------------------


class _PlainFormatter(string.Formatter):
    """``str.format`` for untrusted text: a field is a plain name given by keyword; no
    attribute or index access, no positional field, no conversion, no format spec."""

    def get_field(self, field_name: str, args, kwargs):
        if not field_name.isidentifier():
            raise ConfigError(f"placeholder {{{field_name}}} is not a plain name")
        return kwargs[field_name], field_name

    def convert_field(self, value, conversion):
        if conversion:
            raise ConfigError(f"placeholder conversion !{conversion} is not allowed")
        return value

    def format_field(self, value, format_spec: str):
        if format_spec:
            raise ConfigError(f"placeholder format spec :{format_spec} is not allowed")
        return format(value, "")


_FORMATTER = _PlainFormatter()


class Text(str):
    """A fixed text from an i18n file: :meth:`format` fills plain ``{name}`` fields only."""

    __slots__ = ()

    def format(self, *args: Any, **kwargs: Any) -> str:
        return _FORMATTER.vformat(str(self), args, kwargs)

    def format_map(self, mapping: Mapping[str, Any]) -> str:  # type: ignore[override]
        return _FORMATTER.vformat(str(self), (), mapping)


def placeholders(text: str) -> set[str]:
    """The fields of ``text``; :class:`ValueError` saying what is wrong when a field is not a
    plain name or a brace is broken (``{week``, a lone ``}``)."""
    names = set()
    for _, field, spec, conversion in string.Formatter().parse(text):
        if field is None:
            continue
        shown = (
            "{"
            + field
            + (f"!{conversion}" if conversion else "")
            + (f":{spec}" if spec else "")
            + "}"
        )
        if not field.isidentifier():
            raise ValueError(
                f"placeholder {shown} is not a plain name (write {{name}}; no attributes, "
                "indexes or positional fields)"
            )
        if conversion or spec:
            raise ValueError(f"placeholder {shown}: conversions and format specs are not allowed")
        names.add(field)
    return names


def _check_placeholders(
    path: Path, doc: Any, loc: tuple[str, ...], texts: Mapping[str, str], allowed: Mapping
) -> None:
    """Every text's placeholders are plain names among ``allowed[key]`` (those of the English
    reference); all problems of the file are raised at once, the first on the error's line."""
    problems = []
    for key, text in texts.items():
        where = (*loc, key)
        try:
            names = placeholders(text)
        except ValueError as exc:
            problems.append(problem(path, doc, where, f"broken placeholder: {exc}"))
            continue
        unknown = sorted(names - set(allowed.get(key, ())))
        if unknown:
            known = ", ".join("{" + n + "}" for n in sorted(allowed.get(key, ()))) or "none"
            problems.append(
                problem(
                    path,
                    doc,
                    where,
                    f"unknown placeholder {{{unknown[0]}}}; this text may use: {known}",
                )
            )
    raise_problems(problems)


def _texts(doc: Mapping[str, str]) -> dict[str, str]:
    return {key: Text(value) for key, value in doc.items()}


# -- files -------------------------------------------------------------------------------------


def find_text_file(template_dirs: Sequence[Path], name: str, lang: str) -> Path:
    """``i18n/<name>.<lang>.yaml`` in the first template folder that has it (the workspace's
    before the shipped one). A file whose real path leaves its template folder (a symbolic
    link to elsewhere) is refused."""
    for folder in template_dirs:
        path = Path(folder) / "i18n" / f"{name}.{lang}.yaml"
        if path.is_file():
            real = Path(os.path.realpath(path))
            if not real.is_relative_to(os.path.realpath(folder)):
                raise ConfigError(
                    f"{path}:1: (file): leads to {real}, outside the template folder {folder}; "
                    "replace the link with a copy of the file"
                )
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


def _doc(path: Path) -> Any:
    """The parsed file at ``path``, parsed once for as long as it is unchanged (a shipped file
    is read both as a text file and for the placeholders it allows)."""
    return memo("i18n-doc", [path], lambda: read_yaml(path))


def _shipped_allowed(reference: Path, split) -> dict[str, dict[str, set[str]]]:
    """``{section: {key: placeholders}}``: what the code fills in each text, as the shipped
    files of every language use them (``split`` turns a file into sections of texts)."""
    stem = reference.name.removesuffix(".en.yaml")
    allowed: dict[str, dict[str, set[str]]] = {}
    for lang in LANGUAGES:
        path = shipped("templates") / "i18n" / f"{stem}.{lang}.yaml"
        if not path.is_file():
            continue
        for section, texts in split(path, _doc(path)).items():
            for key, text in texts.items():
                try:
                    names = placeholders(text)
                except ValueError:
                    names = set()
                allowed.setdefault(section, {}).setdefault(key, set()).update(names)
    return allowed


def _load(reference: Path, path: Path, split, compared: Sequence[str]) -> dict:
    """``{section: {key: Text}}`` of ``path``: keys of the ``compared`` sections checked
    against English at ``reference``, every text's placeholders against the shipped files'
    (a key no shipped file has may use the English reference's own)."""
    allowed = _shipped_allowed(reference, split)
    ref_doc = _doc(reference)
    ref = split(reference, ref_doc)
    for section, texts in ref.items():
        for key, text in texts.items():
            if key not in allowed.get(section, {}):
                try:
                    allowed.setdefault(section, {})[key] = placeholders(text)
                except ValueError:
                    allowed.setdefault(section, {})[key] = set()
    _check_sections(reference, ref_doc, ref, allowed)
    if path == reference:
        return {s: _texts(texts) for s, texts in ref.items()}
    doc = _doc(path)
    own = split(path, doc)
    for section in compared:
        _compare(path, reference, section, ref[section], own[section])
    _check_sections(path, doc, own, allowed)
    return {s: _texts(texts) for s, texts in own.items()}


def _check_sections(path: Path, doc: Any, texts: Mapping, allowed: Mapping) -> None:
    for section, own in texts.items():
        loc = ("glossary", section) if section in MODEL_GLOSSARY else (section,) if section else ()
        _check_placeholders(path, doc, loc, own, allowed.get(section, {}))


def _split_flat(path: Path, doc: Any) -> dict[str, dict[str, str]]:
    return {"": _flat(path, doc)}


def load_flat_texts(reference: Path, path: Path) -> dict[str, str]:
    """The texts at ``path``, checked key for key against English at ``reference``, and
    their placeholders against the shipped files'."""
    return _load(reference, path, _split_flat, [""])[""]


def _split_sectioned(path: Path, doc: Any) -> dict[str, dict[str, str]]:
    if not isinstance(doc, Mapping):
        raise ConfigError(f"{path}:1: (file): expected a mapping of sections")
    glossary = doc.get("glossary") or {}
    out = {s: _flat(path, doc.get(s), (s,)) for s in MODEL_SECTIONS}
    for s in MODEL_GLOSSARY:
        out[s] = _flat(path, glossary.get(s) or {}, ("glossary", s))
    return out


def load_model_texts(reference: Path, path: Path) -> dict[str, dict[str, str]]:
    """The model section's texts at ``path``: ``{section: {key: text}}``, every section but
    the glossary checked key for key against English at ``reference``, and every text's
    placeholders against the shipped files'."""
    return _load(reference, path, _split_sectioned, MODEL_SECTIONS)
