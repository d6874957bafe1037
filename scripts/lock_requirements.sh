#!/usr/bin/env bash
# Regenerate deploy/requirements.lock: pyproject's runtime dependencies resolved with pip,
# constrained to the versions installed in the tested virtualenv (VENV, default .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$venv/bin/pip" freeze --exclude-editable > "$tmp/constraints.txt"
"$venv/bin/pip" install --dry-run --ignore-installed --quiet --report "$tmp/report.json" \
  -c "$tmp/constraints.txt" .
{
  echo "# Pinned runtime dependencies of the image (the versions the test suite runs on)."
  echo "# Regenerate: scripts/lock_requirements.sh (resolves pyproject's dependencies"
  echo "# constrained to the tested environment's versions). No torch: it is the [train]"
  echo "# extra, which the image does not install (its models serve in their light form)."
  "$venv/bin/python" - "$tmp/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
pins = sorted(
    (item["metadata"]["name"].lower(), item["metadata"]["version"].split("+")[0])
    for item in report["install"]
    if item["metadata"]["name"].lower() != "tickercast"
)
# The image runs Debian bookworm's Python 3.11.2, the host resolving this may be newer, and
# pip evaluates markers for the host: what a pinned package needs only before 3.11.3 is
# added here, unconditionally (harmless on a newer Python). redis: async-timeout.
IMAGE_PYTHON_NEEDS = {"redis": ("async-timeout", "5.0.1")}
names = {name for name, _ in pins}
pins = sorted(
    set(pins) | {need for pkg, need in IMAGE_PYTHON_NEEDS.items() if pkg in names}
)
print("".join(f"{name}=={version}\n" for name, version in pins), end="")
PY
} > deploy/requirements.lock
echo "wrote deploy/requirements.lock"
