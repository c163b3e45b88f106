#!/usr/bin/env bash
# Cost per message of the declarative (jq) payload mapping vs Java. On demand, not in the test suite:
#   bench/mapping/run.sh [messages-per-round]
# Needs the project compiled (./mvnw -q compile) - uses target/classes and the project's runtime classpath.
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q -ntp compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=runtime
java -cp "target/classes:$(cat target/bench-classpath.txt)" bench/mapping/MappingBench.java "${1:-20000}" .
