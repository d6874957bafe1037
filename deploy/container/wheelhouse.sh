#!/usr/bin/env bash
# Fill a wheelhouse with every wheel the image build needs (deploy/requirements.lock plus
# the hatchling build backend), so `podman build` installs with --no-index, offline:
#   deploy/container/wheelhouse.sh [DIR]      (default /var/cache/tickercast-ci/wheelhouse)
# Re-running downloads only what is missing; uses the host's pip and its configuration.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${1:-${TICKERCAST_CACHE_DIR:-/var/cache/tickercast-ci}/wheelhouse}"
read -r -a pip <<< "${PIP:-pip}"  # may be several words: "python -m pip"
mkdir -p "$dir"
stamp="$dir/.lock.sha256"
want="$(sha256sum "$root/deploy/requirements.lock" "$root/pyproject.toml" | sha256sum | cut -c1-64)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "wheelhouse: $dir is up to date"
  exit 0
fi
"${pip[@]}" download --quiet --only-binary=:all: --no-deps -r "$root/deploy/requirements.lock" -d "$dir"
"${pip[@]}" download --quiet --only-binary=:all: 'hatchling>=1.25' -d "$dir"
echo "$want" > "$stamp"
echo "wheelhouse: $(ls "$dir"/*.whl | wc -l) wheels in $dir"
