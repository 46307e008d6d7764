#!/usr/bin/env bash
# Makes sure the project-local Python virtual environment for the python-otcextensions fidelity check
# exists: .tools/otc-venv (git-ignored) with exactly the pins of tools/python/requirements.txt.
# Idempotent: a stamp file holds the hash of the requirements (and of the interpreter version); when it
# matches, nothing is done and nothing is printed. Prints the venv's python path on stdout.
#   PYTHON=python3.x  choose the interpreter that creates the venv (default python3, needs >= 3.9)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.tools/otc-venv"
reqs="$root/tools/python/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

command -v "$python" >/dev/null 2>&1 || { echo "ensure-python-venv: '$python' not found (Python 3.9+ is needed)" >&2; exit 1; }
py_version="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
want="$( { cat "$reqs"; echo "python $py_version"; } | sha256sum | cut -d' ' -f1)"

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "$venv/bin/python"
  exit 0
fi

echo "creating .tools/otc-venv (python $py_version) with tools/python/requirements.txt" >&2
rm -rf "$venv"
mkdir -p "$root/.tools"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$reqs" >&2
check="$("$venv/bin/python" -m pip check 2>&1)" || { echo "$check" >&2; exit 1; }
"$venv/bin/python" -c 'import otcextensions.sdk, openstack' >&2
echo "$want" > "$stamp"
echo "$venv/bin/python"
