#!/usr/bin/env bash
# Where the gateway's CPU goes, per stage (issue 18): records the running gateway with Java Flight Recorder for a
# while (run it during the benchmark's maximum-rate phase) and prints the shares of CPU samples per gateway stage,
# per library and per thread pool (bench/profile/JfrStages.java).
#   bench/profile/run.sh [--pid PID] [--seconds 30] [--rows 25]
# PID defaults to the benchmark's gateway (the java process listening on port 18080). The recording is kept as
# target/bench/profile.jfr (open it in JDK Mission Control for flame graphs).
set -euo pipefail
cd "$(dirname "$0")/../.."
pid="" seconds=30 rows=25
while [ $# -gt 0 ]; do
  case "$1" in
    --pid) pid="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --rows) rows="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$pid" ]; then
  pid=$(ss -ltnp 2>/dev/null | awk '/:18080 / {print}' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
fi
[ -n "$pid" ] || { echo "no gateway pid (is the benchmark's gateway on port 18080 running?)" >&2; exit 1; }
mkdir -p target/bench
out="$PWD/target/bench/profile.jfr"
rm -f "$out"
jcmd "$pid" JFR.start name=stages settings=profile duration="${seconds}s" filename="$out" >/dev/null
sleep $((seconds + 2))
while [ ! -s "$out" ]; do sleep 1; done
java bench/profile/JfrStages.java "$out" "$rows"
