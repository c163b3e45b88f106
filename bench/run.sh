#!/usr/bin/env bash
# Throughput benchmark (issue 6): one command, on one machine.
#   bench/run.sh [--messages 40000] [--concurrency 128] [--rate 1000] [--rate-seconds 60] [--soak-seconds 0]
#                [--warmup 150000] [--store-seconds 30] [--store-only true] [--es-url URL] [--es-refresh-interval 1s]
#                [--store-flush-interval-ms 5] [--store-max-concurrent-requests 4] [--gateway-java JDK_HOME]
#                [--gateway-jvm-opts "..."] [--WEBHOOK_ASYNC false] [--ES_BULK_FLUSH_INTERVAL_MS 5] ...
# (options in capitals go to the gateway's environment; BENCH_JAVA_OPTS sets this benchmark JVM's own options)
# Builds the jar (tests skipped), starts Elasticsearch 9.2.0 on port 9299 (fresh data under target/bench), WireMock
# for the provider APIs, and the packaged gateway (-Xmx512m, port 18080), then runs GatewayBenchmark and prints
# the result (also written to target/bench/result.json). The gateway's log is target/bench/gateway.log.
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
fi
exec java -Xmx2g ${BENCH_JAVA_OPTS:-} -cp "target/bench/classes:$CP" "$main" --project . "$@"
