#!/usr/bin/env bash
# Sends a webhook body to a running gateway, signed exactly as the provider signs it (over the raw file bytes).
#
#   scripts/send-fixture.sh <provider> <file.json> [gateway base URL, default http://localhost:8080]
#
#   provider  meta      - X-Hub-Signature-256: sha256=<hex HMAC-SHA256>, key $WHATSAPP_APP_SECRET
#             waha      - X-Webhook-Hmac: <hex HMAC-SHA512>,          key $WAHA_WEBHOOK_HMAC_KEY
#             periskope - x-periskope-signature: <hex HMAC-SHA256>,  key $PERISKOPE_SIGNING_SECRET
#             unipile   - Unipile-Auth: $UNIPILE_WEBHOOK_SECRET, sent as application/x-www-form-urlencoded
#                         (as API-created Unipile webhooks do)
# Secrets default to "test-secret", the secret the shared fixtures are documented with.
set -euo pipefail

usage="usage: $0 <meta|waha|periskope|unipile> <file.json> [gateway-url]"
provider=${1:?$usage}
file=${2:?$usage}
base=${3:-http://localhost:8080}
[ -f "$file" ] || { echo "no such file: $file" >&2; exit 2; }

if [ "$provider" = waha ] && [ "${KEEP_DELIVERY_TIMESTAMP:-false}" != true ]; then
  # WAHA's envelope timestamp (ms, signed) is the delivery time: a fixture's is old and would be refused as a replay
  # (gateway.webhooks.max-delivery-age-seconds). Send a copy delivered now; KEEP_DELIVERY_TIMESTAMP=true sends as is.
  fresh=$(mktemp)
  trap 'rm -f "$fresh"' EXIT
  sed -E "0,/\"timestamp\": ?[0-9]{13}([,} ]|\$)/s//\"timestamp\": $(date +%s%3N)\1/" "$file" > "$fresh"
  file=$fresh
fi

hmac() { # <algorithm> <key> : lowercase hex HMAC of the file's exact bytes
  openssl dgst "-$1" -hmac "$2" -r < "$file" | cut -d' ' -f1
}

content_type=application/json
case "$provider" in
  meta)
    header="X-Hub-Signature-256: sha256=$(hmac sha256 "${WHATSAPP_APP_SECRET:-test-secret}")" ;;
  waha)
    header="X-Webhook-Hmac: $(hmac sha512 "${WAHA_WEBHOOK_HMAC_KEY:-test-secret}")" ;;
  periskope)
    header="x-periskope-signature: $(hmac sha256 "${PERISKOPE_SIGNING_SECRET:-test-secret}")" ;;
  unipile)
    header="Unipile-Auth: ${UNIPILE_WEBHOOK_SECRET:-test-secret}"
    content_type=application/x-www-form-urlencoded ;;
  *)
    echo "unknown provider '$provider' (meta, waha, periskope, unipile)" >&2; exit 2 ;;
esac

curl -sS -X POST "$base/webhooks/$provider" \
  -H "Content-Type: $content_type" \
  -H "$header" \
  --data-binary "@$file" \
  -w '\nHTTP %{http_code}\n'
