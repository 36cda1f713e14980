#!/usr/bin/env bash
# Side-by-side DERP relay benchmark on loopback: Weft's relay (`weft relay serve`) and Tailscale's
# derper v1.102.5, one after the other, each loaded by io.weft.bench.derp.RelayLoad: PAIRS
# sender/receiver pairs of 1,400-byte packets for SECONDS (window of 24 in flight per pair), then
# IDLE idle clients. Prints packets/s, Gbit/s, relay CPU per packet and RSS per idle client.
# Needs agent/target/weft.jar and bench/target/benchmarks.jar (./mvnw -DskipTests package) and
# derper (WEFT_DERPER, else /opt/weft-ci/tailscale-v1.102.5/derper, see .ci/run). Plain HTTP on
# 127.0.0.1 only; both relays are stopped by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=${SECONDS_RUN:-10}
PAIRS=${PAIRS:-4}
IDLE=${IDLE:-1000}
. .mvn/find-jdk.sh
weft_find_jdk
JAR=$PWD/agent/target/weft.jar
BENCH=$PWD/bench/target/benchmarks.jar
DERPER=${WEFT_DERPER:-/opt/weft-ci/tailscale-v1.102.5/derper}
for f in "$JAR" "$BENCH" "$DERPER"; do [ -e "$f" ] || { echo "missing: $f" >&2; exit 1; }; done
TMP=$(mktemp -d)
PID=
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
port() { "$JAVA_HOME/bin/java" -cp "$BENCH" io.weft.bench.derp.FreePort; }
wait_http() { for _ in $(seq 200); do curl -sf "http://127.0.0.1:$1/derp/probe" >/dev/null && return 0; sleep 0.1; done; return 1; }
run() { # name
  "$JAVA_HOME/bin/java" -cp "$BENCH" io.weft.bench.derp.RelayLoad "http://127.0.0.1:$P/derp" "$PID" \
    "$PAIRS" "$SECONDS_RUN" "$IDLE" | sed "s/^/$1: /"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
}
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
P=$(port)
"$JAVA_HOME/bin/java" -jar "$JAR" relay serve --listen "127.0.0.1:$P" --accept-any >"$TMP/weft.log" 2>&1 &
PID=$!
wait_http "$P"
run weft
P=$(port)
"$DERPER" -a "127.0.0.1:$P" -http-port -1 -stun=false -c "$TMP/derper.key" >"$TMP/derper.log" 2>&1 &
PID=$!
wait_http "$P"
run derper
