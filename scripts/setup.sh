#!/usr/bin/env bash
# Set up a machine for policykg: a virtualenv with the locked Python packages, the front-end
# packages from the npm registry, and (with --system) the Debian packages the tests need.
#   scripts/setup.sh            runtime only (what `make serve` needs)
#   scripts/setup.sh --test     plus test tools, Debian packages (Java, OWL API, Virtuoso, Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    *) echo "setup.sh: unknown option $arg (use --test)" >&2; exit 2 ;;
  esac
done

log() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }

if [ "$want_test" = 1 ]; then
  debs="default-jdk-headless libowlapi-java virtuoso-opensource chromium fonts-noto-cjk"
  missing=""
  for d in $debs; do dpkg -s "$d" >/dev/null 2>&1 || missing="$missing $d"; done
  if [ -n "$missing" ]; then
    log "installing Debian packages:$missing"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  log "creating the virtualenv .venv"
  "$PY" -m venv .venv
fi
# (if-statements, not `[ … ] && …`: under `set -e` a failed test inside $( ) ends the script)
extras=""
stamp=".venv/.policykg-installed"
if [ "$want_test" = 1 ]; then
  extras="[test]"
  stamp="$stamp-test"
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  log "installing Python packages (locked by constraints.txt)"
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".$extras" 2>&1 \
    | grep -v "^WARNING: Location" >&2 || true
  .venv/bin/policykg --help >/dev/null
  touch "$stamp"
fi

if [ -f package.json ]; then
  if [ ! -d node_modules ] || [ package.json -nt node_modules ] || [ package-lock.json -nt node_modules ]; then
    log "installing front-end packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error >&2
    touch node_modules
  fi
fi
log "ready"
