#!/usr/bin/env bash
# The 3-node cluster failover test (issue 22) at full size, on demand:
#   bench/cluster-failover.sh [--webhooks 10000] [--master-webhooks 3000] [--threads 24]
# Runs ClusterFailoverIT (three Elasticsearch 9.2.0 nodes on HTTP 9281-9283 / transport 9381-9383, the gateway
# in-process, a node killed with SIGKILL mid-load and started again; then the elected master). Prints the
# CLUSTER-FIGURES lines, also appended to target/cluster-figures.txt. ./mvnw verify runs the same test in CI with the
# defaults of the test (docs/operations-store.md, "A cluster of nodes").
set -euo pipefail
cd "$(dirname "$0")/.."
webhooks=10000 master=3000 threads=24
while [ $# -gt 0 ]; do
  case "$1" in
    --webhooks) webhooks="$2"; shift 2 ;;
    --master-webhooks) master="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    *) echo "unknown option $1 (use --webhooks N --master-webhooks N --threads N)" >&2; exit 2 ;;
  esac
done
rm -f target/cluster-figures.txt
./mvnw -B -ntp verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ClusterFailoverIT \
  -Dcluster.webhooks="$webhooks" -Dcluster.master-webhooks="$master" -Dcluster.threads="$threads" \
  -Djacoco.skip=true | grep -E 'Tests run|BUILD|ERROR' || true
cat target/cluster-figures.txt
