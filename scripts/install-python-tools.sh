#!/usr/bin/env bash
# Installs the Python tools the tests use into .build-venv (ignored by git): moto's server, which stands in for
# AWS SSM, and boto3 with it. Does nothing when they are already there.
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION=5.2.1
venv=.build-venv
if [ -x "$venv/bin/moto_server" ] && "$venv/bin/python3" -c "import moto, boto3; assert moto.__version__ == '$MOTO_VERSION'" 2>/dev/null; then
    exit 0
fi
echo "install-python-tools: installing moto[server]==$MOTO_VERSION into $venv"
python3 -m venv "$venv"
"$venv/bin/python3" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
