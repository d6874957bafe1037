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
print("".join(f"{name}=={version}\n" for name, version in pins), end="")
PY
} > deploy/requirements.lock
echo "wrote deploy/requirements.lock"
