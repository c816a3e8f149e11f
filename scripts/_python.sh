# Sourced by scripts/demo and scripts/test: pick a Python >= 3.11 and make the virtual
# environment "$VENV" with kefu installed (extras in $KEFU_EXTRAS, e.g. "[test]").
pick_python() {
  for candidate in ${PYTHON:-} python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "kefu needs Python 3.11 or newer (python3.11 not found)" >&2
  return 1
}

ensure_venv() {
  local python
  python=$(pick_python) || exit 1
  if [ ! -x "$VENV/bin/python" ]; then
    echo "== creating the virtual environment $VENV"
    "$python" -m venv "$VENV" || {
      echo "could not create a virtual environment: on Debian, apt-get install python3-venv" >&2
      exit 1
    }
  fi
  # every dependency from its lock, pinned with hashes (scripts/lock writes the locks), then
  # kefu itself, built with the locked setuptools
  local lock="requirements/base.txt"
  case "${KEFU_EXTRAS:-}" in *test*) lock="requirements/test.txt" ;; esac
  echo "== installing kefu${KEFU_EXTRAS:-} into $VENV from $lock"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes \
    -r "$lock" 2> >(grep -v "^WARNING: Location" >&2)
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    --no-build-isolation -e . 2> >(grep -v "^WARNING: Location" >&2)
  ensure_assets
}

# Charts use Apache ECharts from the npm registry (package.json, package-lock.json), copied
# into the static files kefu serves itself: browsers never fetch it from a CDN. npm is
# optional; without it the pages show their figures as tables and plain bars.
ensure_assets() {
  local target="src/kefu/core/static/vendor/echarts"
  local stamp
  stamp=$(sha256sum package-lock.json | cut -d" " -f1)
  if [ -f "$target/echarts.min.js" ] && [ "$(cat "$target/.lock-sha256" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "charts are shown as tables/bars because npm is not installed (install Node.js and npm for ECharts)"
    return 0
  fi
  echo "== installing the chart library (ECharts) with npm"
  local work="$VENV/kefu-assets"
  mkdir -p "$work"
  cp package.json package-lock.json "$work/"
  if ! (cd "$work" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null 2>&1); then
    echo "charts are shown as tables/bars because npm could not install ECharts (is the registry reachable?)"
    return 0
  fi
  mkdir -p "$target"
  cp "$work/node_modules/echarts/dist/echarts.min.js" "$work/node_modules/echarts/LICENSE" "$target/"
  echo "$stamp" >"$target/.lock-sha256"
}
