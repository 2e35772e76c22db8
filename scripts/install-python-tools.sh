#!/usr/bin/env bash
# Installs the Python tools the tests use into .build-venv (ignored by git), pinned:
# - moto's server, which stands in for AWS SSM, and boto3 with it;
# - the OpenFeature Python SDK with its OFREP provider, the real client of the OFREP interop tests;
# - jsonschema, which checks every OFREP response the tests see against Tests/Fixtures/ofrep/responses.schema.json;
# - kubernetes-validate, which checks the rendered Kubernetes manifests against the Kubernetes schemas it bundles,
#   and PyYAML, which reads the renderings for the deployment tests;
# - grafana-foundation-sdk, Grafana's typed dashboard builders, at the Grafana release docker-compose.yml provisions
#   (11.1): scripts/generate-dashboards.py writes dashboards/ with it;
# - mmh3, an independent MurmurHash3 (C, by its own authors) the flagd and Unleash bucketing tests compare with.
# Does nothing when they are all there at these versions.
set -euo pipefail
cd "$(dirname "$0")/.."

REQUIREMENTS=(
    "moto[server]==5.2.1"
    "openfeature-sdk==0.10.0"
    "openfeature-provider-ofrep==0.3.0"
    "jsonschema==4.26.0"
    "kubernetes-validate==1.37.0"
    "PyYAML==6.0.4"
    "grafana-foundation-sdk==1769699681!11.1.0"
    "mmh3==5.3.1"
)
venv=.build-venv
check='
import importlib.metadata as m, sys
wanted = {"moto": "5.2.1", "openfeature-sdk": "0.10.0", "openfeature-provider-ofrep": "0.3.0", "jsonschema": "4.26.0",
          "kubernetes-validate": "1.37.0", "PyYAML": "6.0.4", "grafana-foundation-sdk": "1769699681!11.1.0",
          "mmh3": "5.3.1"}
sys.exit(0 if all(m.version(n) == v for n, v in wanted.items()) else 1)
'
if [ -x "$venv/bin/moto_server" ] && "$venv/bin/python3" -c "$check" 2>/dev/null; then
    exit 0
fi
echo "install-python-tools: installing ${REQUIREMENTS[*]} into $venv"
python3 -m venv "$venv"
"$venv/bin/python3" -m pip install --quiet --disable-pip-version-check "${REQUIREMENTS[@]}"
"$venv/bin/python3" -c "$check" || { echo "install-python-tools: the versions installed are not the pinned ones" >&2; exit 1; }
