#!/usr/bin/env bash
# What CI runs: select (or create) the stack, show the plan, then apply it, without a prompt.
#
#   deploy.sh preview     pull requests: the plan only (exit 0 when it is valid)
#   deploy.sh up          the main branch: the plan, then `pulumi up --yes`
#
# Settings, all from the environment: PULUMI_STACK (default "ci"), the Pulumi backend as usual
# (PULUMI_BACKEND_URL or PULUMI_ACCESS_TOKEN, PULUMI_CONFIG_PASSPHRASE for a self-managed one),
# and what index.ts reads: SWITCHYARD_URL, SWITCHYARD_TOKEN, SWITCHYARD_TENANT_ID, and one
# variable per secret in connections.json.
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-up}"
stack="${PULUMI_STACK:-ci}"

for v in SWITCHYARD_URL SWITCHYARD_TOKEN SWITCHYARD_TENANT_ID; do
  [[ -n "${!v:-}" ]] || { echo "deploy.sh: $v is not set" >&2; exit 1; }
done

pulumi stack select --create "$stack" --non-interactive
pulumi preview --diff --non-interactive
if [[ "$mode" == "up" ]]; then
  pulumi up --yes --skip-preview --non-interactive
fi
