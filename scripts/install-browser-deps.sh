#!/usr/bin/env bash
# Installs what the browser test (Tests/Browser/admin_browser_test.py, `make browser-test`) needs:
# Debian's Chromium and its WebDriver (apt), and Selenium and pyotp (PyPI, pinned in
# Tests/Browser/requirements.txt). Idempotent; quiet when everything is already there.
#
# Debian's chromium-driver matches Debian's chromium by construction, so Selenium never has to
# fetch a driver (Selenium Manager's downloads would fail on a machine without the internet).
set -euo pipefail
cd "$(dirname "$0")/.."
REQUIREMENTS=Tests/Browser/requirements.txt

command -v python3 >/dev/null 2>&1 || { echo "error: python3 is needed for the browser test" >&2; exit 2; }

# --- Chromium and chromedriver (Debian) --------------------------------------------------------
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "Installing chromium chromium-driver"
  # The package lists may be missing or stale on a fresh machine: update only when needed.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null \
    || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null; }
fi

# --- Selenium and pyotp (PyPI), at the pinned versions ------------------------------------------
# Installed when a package is missing or at another version than the requirements file pins.
python3 - "$REQUIREMENTS" <<'PY' 2>/dev/null && exit 0
import sys
from importlib.metadata import version
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        name, pinned = line.split("==")
        if version(name) != pinned:
            sys.exit(1)
PY

# A machine with python3 but no pip (a bare Debian) gets Debian's.
if ! python3 -m pip --version >/dev/null 2>&1; then
  apt-get install -y python3-pip >/dev/null || { apt-get update >/dev/null && apt-get install -y python3-pip >/dev/null; }
fi
echo "Installing $(grep -v '^#' "$REQUIREMENTS" | tr '\n' ' ')"
# Debian's own python3 is "externally managed" (PEP 668): there pip needs to be told.
python3 -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS" \
  || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages -r "$REQUIREMENTS"
