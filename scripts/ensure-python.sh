#!/usr/bin/env bash
# Create the project's virtual environment with a Python >= 3.11, or say what to install.
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}
if [ -x "$venv/bin/python" ]; then
  exit 0
fi
if ! command -v "$python" >/dev/null 2>&1; then
  echo "error: $python not found; install Python 3.11 or newer (Debian: apt-get install python3 python3-venv)" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "error: $("$python" --version 2>&1) is too old; screener needs Python 3.11 or newer (set PYTHON=python3.11)" >&2
  exit 1
fi
if ! "$python" -m venv "$venv"; then
  rm -rf "$venv"
  echo "error: '$python -m venv' failed; on Debian install it with: apt-get install python3-venv" >&2
  exit 1
fi
