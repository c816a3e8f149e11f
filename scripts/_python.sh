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
  echo "== installing kefu${KEFU_EXTRAS:-} into $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".${KEFU_EXTRAS:-}" \
    2> >(grep -v "^WARNING: Location" >&2)
}
