#!/usr/bin/env bash
# Create .venv at the repository root and install the pinned dependencies into it.
# Usage: scripts/bootstrap.sh [run|dev]. Re-running is cheap: a stamp records what is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${1:-dev}"
case "$profile" in
  run) reqs=requirements.txt ;;
  dev) reqs=requirements-dev.txt ;;
  *) echo "bootstrap: unknown profile $profile (run|dev)" >&2; exit 2 ;;
esac

new_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }
python="${PYTHON:-}"
if [ -z "$python" ]; then
  # A name on PATH may be a shim that does not run (pyenv): try each until one works.
  for candidate in python3 python3.13 python3.12 python3.11; do
    if new_enough "$candidate"; then python="$candidate"; break; fi
  done
fi
if [ -z "$python" ] || ! new_enough "$python"; then
  echo "bootstrap: Fordra needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $("$python" --version)"
  "$python" -m venv .venv
fi

stamp=".venv/.fordra-$profile-$(cat requirements.txt "$reqs" pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing $reqs into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$reqs"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
  rm -f .venv/.fordra-"$profile"-*
  touch "$stamp"
fi
