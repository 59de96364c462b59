"""Configuration: every file a person edits, read through one door and validated on load.

- :mod:`.loader` reads YAML bounded and reports ``path:line: key: problem``;
- one module per file kind holds its typed model (:mod:`.model`, :mod:`.screen`,
  :mod:`.providers`, :mod:`.industry_map`, :mod:`.briefing`, :mod:`.texts`);
- :class:`Config` (:mod:`.store`) resolves each file in the workspace (else the shipped copy)
  and parses it once per run.
"""

from __future__ import annotations

from .loader import line_of, parse_bytes, problem, raise_problems, read_yaml, validate
from .model import ModelConfig, load_model
from .store import Config

__all__ = [
    "Config",
    "ModelConfig",
    "line_of",
    "load_model",
    "parse_bytes",
    "problem",
    "raise_problems",
    "read_yaml",
    "validate",
]
