#!/usr/bin/env bash
# Installs what the tests need beyond the build: aiosmtpd (PyPI), the real SMTP server the
# Notifications tests talk to (Tests/NotificationsTests/Support/smtp_server.py). Idempotent;
# quiet when it is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUIREMENTS=Tests/NotificationsTests/Support/requirements.txt

command -v python3 >/dev/null 2>&1 || { echo "error: python3 is needed for the SMTP tests" >&2; exit 2; }
python3 -c "import aiosmtpd" 2>/dev/null && exit 0

# A machine with python3 but no pip (a bare Debian) gets Debian's.
if ! python3 -m pip --version >/dev/null 2>&1; then
  apt-get install -y python3-pip >/dev/null || { apt-get update >/dev/null && apt-get install -y python3-pip >/dev/null; }
fi
echo "Installing $(grep -v '^#' "$REQUIREMENTS" | tr '\n' ' ')"
# Debian's own python3 is "externally managed" (PEP 668): there pip needs to be told.
python3 -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS" \
  || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages -r "$REQUIREMENTS"
