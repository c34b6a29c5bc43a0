#!/usr/bin/env bash
# Installs what SochDB needs to build, test and benchmark on Debian/Ubuntu
# (idempotent; run as root or with sudo rights): OpenBLAS headers and
# pkg-config for the CBLAS module, numpy for the dataset scripts, and the
# sqlite3 shell the SQL differential test compares against.
set -euo pipefail
need=()
dpkg -s libopenblas-dev >/dev/null 2>&1 || need+=(libopenblas-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
python3 -c "import numpy" 2>/dev/null || python3 -m pip install --quiet numpy
command -v swift >/dev/null 2>&1 || { echo "swift not found: install Swift 6 (swift.org) and put it on PATH" >&2; exit 1; }
