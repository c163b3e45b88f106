#!/usr/bin/env bash
# Bytes allocated per large malformed body on the dead-letter path (issue 15 item 8). On demand, not in the suite:
#   bench/deadletter/run.sh [body-bytes] [rounds]
# Needs the project compiled; uses target/classes and the project's runtime classpath. To measure another version of
# DeadLetterStore (e.g. the one before the fix), compile it into a folder and put it first: EXTRA_CP=/that/folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q -ntp -o compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=runtime
java -Xmx1g -cp "${EXTRA_CP:+$EXTRA_CP:}target/classes:$(cat target/bench-classpath.txt)" \
  bench/deadletter/DeadLetterCopies.java "${1:-2900000}" "${2:-5}"
