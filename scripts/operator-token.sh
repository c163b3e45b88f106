#!/usr/bin/env bash
# Makes a new operator token (issue 21, docs/handover.md): a random 32-byte value, printed once for the operator,
# and the gateway.operators entry (GATEWAY_OPERATORS) that holds only its SHA-256.
#   scripts/operator-token.sh alice
# Give the token to the operator privately; add the entry to GATEWAY_OPERATORS (comma-separated) and restart.
set -euo pipefail
name="${1:-}"
if [[ ! "$name" =~ ^[A-Za-z0-9._-]{1,64}$ ]]; then
  echo "usage: $0 <name>   (name: 1-64 of A-Z a-z 0-9 . _ -)" >&2
  exit 2
fi
token="$(openssl rand -hex 32)"
hash="$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)"
echo "token (give it to ${name}; it is not stored anywhere): ${token}"
echo "gateway.operators entry (GATEWAY_OPERATORS):          ${name}:${hash}"
