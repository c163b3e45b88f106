#!/usr/bin/env bash
# Throughput benchmark (issues 6, 18): one command, on one machine. Options (all optional, "--name value"):
#   bench/run.sh [--messages 40000] [--concurrency 128] [--rate 1000] [--rate-seconds 60] [--soak-seconds 0]
#                [--warmup 150000] [--store-seconds 30] [--store-only true] [--es-url URL] [--es-refresh-interval 1s]
#                [--store-flush-interval-ms 5] [--store-max-concurrent-requests 4] [--gateway-java JDK_HOME]
#                [--gateway-jvm-opts "..."] [--WEBHOOK_ASYNC false] [--ES_BULK_FLUSH_INTERVAL_MS 5] ...
# (options in capitals go to the gateway's environment; BENCH_JAVA_OPTS sets this benchmark JVM's own options)
# Builds the jar (tests skipped), starts Elasticsearch 9.2.0 on port 9299 (fresh data under target/bench), WireMock
# for the provider APIs, and the packaged gateway (-Xmx512m, port 18080), then runs GatewayBenchmark and prints
# the result (also written to target/bench/result.json, the issue-18 figures under "targets"). The gateway's log is
# target/bench/gateway.log. docs/benchmark.md says what each figure means.
#
# Phase (a), Elasticsearch alone: --es-bulk-docs 100000 message documents (at least --messages) in the gateway's own
#   index template, pre-serialised to NDJSON before the clock starts, --es-bulk-size 1000 per _bulk (op_type create,
#   real _ids), one pass per --es-bulk-clients 2,4 lean clients (the limit: the best pass), after
#   --es-bulk-warmup-docs 20000 into another index; Elasticsearch's CPU per document from its /proc/PID/stat.
#   With --mix one more pass stores the mix's own documents (messages and updates: es_bulk_mix).
#   --single-docs 10000 (0 = skip; 0 by default with --mix) also measures one create request per message (64 clients).
# Mix (issue 18 item 1): --mix waha|meta (default none: messages only, four providers round-robin)
#   --mix-early-ack-fraction 0.1   share of acks sent before their own message
#   --mix-ack-distance N           requests between an ack and its message (default max(200, 2 x --concurrency))
#   --mix-warmup 20000             mix webhooks after the messages-only warm-up
#   --mix-webhooks N               webhooks in the mix's maximum-rate phase (default --messages / 2, at least 5,000)
#   --converge-wait-seconds 10     how long the convergence check polls Elasticsearch
#   --providers waha,meta,...      providers of the messages-only phases (default all four; with --mix, the mix's)
#   With --mix the run is: (a), warm-up, messages only at maximum rate, the mix at maximum rate + convergence check,
#   the mix at light load, the mix at --rate req/s, idle, [soak of the mix], convergence check of everything.
# Every run: --light-webhooks 3000 --light-connections 2 (light load, closed loop; 0 = skip), --idle-seconds 30
#   (gateway CPU with no traffic after the load; 0 = skip), --soak-seconds N (the mix, or messages, at --rate; heap
#   after a full GC before and after). Elasticsearch's received requests per phase come from _nodes/stats/http.
#   --drain-seconds 120: how long an open-loop phase waits for answers once its schedule has been sent.
# --provider-api down: the WAHA API refuses connections (WAHA_BASE_URL at a closed port): name lookups fail.
# --gateway-jar PATH [--gateway-routes DIR]: run another checkout's build (its routes: PATH/../../routes), e.g.
#   BENCH_SKIP_BUILD=true bench/run.sh --gateway-jar /work/main/target/whatsapp-gateway-0.1.0-SNAPSHOT.jar
#   (this tree still needs target/classes and target/test-classes: build it once without BENCH_SKIP_BUILD).
#
#   bench/run.sh --compare-bulk default [--mix waha] [--warmup 30000] [--mix-warmup 10000] [--messages 40000]
# runs (a) once, then per bulk writer (ES_BULK_MODE=group-commit, ES_BULK_MODE=bulk-ingester; the gateway property
# gateway.elasticsearch.bulk.mode) a fresh gateway against the same Elasticsearch: warm-up, messages only at maximum
# rate, the mix at maximum rate, the mix at light load, idle; one table (bulk_modes), then the convergence check.
# "name:KEY=v,KEY=v;name2:..." gives other variants.
#
#   bench/run.sh --compare-http-entry default [--warmup 60000] [--messages 40000] [--rate 1000] [--rate-seconds 60]
# runs (b) and (c) once per HTTP entry (issue 17 item 5: the async engine + servlet, Camel's stock platform-http
# consumer with an 8/64/200-thread Spring task executor, then the first again), each on a freshly started gateway
# with the same warm-up, against the same Elasticsearch (warmed up by one _bulk pass first);
# "name:KEY=v,KEY=v;name2:..." gives other entries. Table under http_entries.
#
#   bench/run.sh --check http-entry [--unsigned-clients 250] [--malformed-clients 40] [--slow-clients 200]
#                [--slow-seconds 30] [--storm-clients 32] [--es-port 9299] [--gateway-port 18080] [--WEBHOOK_... value]
# runs HttpEntryCheck instead (issue 15: unauthenticated memory, slow bodies, restart under a retry storm) with the
# gateway at -Xmx512m -XX:+ExitOnOutOfMemoryError; figures in target/bench/http-entry.json.
#
#   bench/run.sh --check media [--media-count 200] [--media-bytes 5000000] [--media-mbps 40] [--light-webhooks 1500]
#                [--gateway-heap 1g] [--MEDIA_WORKERS 4]
# runs MediaCheck instead (issue 20): WAHA text webhooks' acknowledgement latency alone, then while 200 documents of
# 5 MB are downloaded (a media server paces each at --media-mbps MB/s), the gateway's peak heap (jstat), and every
# stored sha256 checked; figures in target/bench/media.json.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/bench
if [ "${BENCH_SKIP_BUILD:-false}" != true ]; then
  ./mvnw -B -q -ntp -DskipTests package   # also compiles the test classes (the shared WireMock stubs)
fi
./mvnw -B -q -ntp dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench/classpath.txt >/dev/null
CP="target/classes:target/test-classes:$(cat target/bench/classpath.txt)"
rm -rf target/bench/classes && mkdir -p target/bench/classes
javac -nowarn -d target/bench/classes -cp "$CP" bench/src/*.java
main=GatewayBenchmark
if [ "${1:-}" = --check ] && [ "${2:-}" = http-entry ]; then
  main=HttpEntryCheck
  shift 2
elif [ "${1:-}" = --check ] && [ "${2:-}" = media ]; then
  main=MediaCheck
  shift 2
fi
exec java -Xmx2g ${BENCH_JAVA_OPTS:-} -cp "target/bench/classes:$CP" "$main" --project . "$@"
