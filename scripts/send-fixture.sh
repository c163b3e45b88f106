#!/usr/bin/env bash
# Sends a webhook body to a running gateway, signed exactly as the provider signs it (over the raw file bytes).
#
#   scripts/send-fixture.sh <provider> <file.json> [gateway base URL, default http://localhost:8080]
#
#   provider  meta  - X-Hub-Signature-256: sha256=<hex HMAC-SHA256>, key $WHATSAPP_APP_SECRET
#             waha  - X-Webhook-Hmac: <hex HMAC-SHA512>,          key $WAHA_WEBHOOK_HMAC_KEY
# Secrets default to "test-secret", the secret the shared fixtures are documented with.
set -euo pipefail

provider=${1:?usage: $0 <meta|waha> <file.json> [gateway-url]}
file=${2:?usage: $0 <meta|waha> <file.json> [gateway-url]}
base=${3:-http://localhost:8080}
[ -f "$file" ] || { echo "no such file: $file" >&2; exit 2; }

hmac() { # <algorithm> <key> : lowercase hex HMAC of the file's exact bytes
  openssl dgst "-$1" -hmac "$2" -r < "$file" | cut -d' ' -f1
}

case "$provider" in
  meta)
    header="X-Hub-Signature-256: sha256=$(hmac sha256 "${WHATSAPP_APP_SECRET:-test-secret}")" ;;
  waha)
    header="X-Webhook-Hmac: $(hmac sha512 "${WAHA_WEBHOOK_HMAC_KEY:-test-secret}")" ;;
  *)
    echo "unknown provider '$provider' (meta, waha)" >&2; exit 2 ;;
esac

curl -sS -X POST "$base/webhooks/$provider" \
  -H 'Content-Type: application/json' \
  -H "$header" \
  --data-binary "@$file" \
  -w '\nHTTP %{http_code}\n'
