#!/usr/bin/env bash
# Side-by-side tunnel benchmark: wireguard-go<->wireguard-go, weft<->weft and weft<->wireguard-go,
# each between two network namespaces joined by a veth pair, plus the bare veth as a baseline.
# Measures iperf3 TCP with 1 and 4 streams (DURATION seconds each) and ping RTT; prints a table and
# ends with "weft/wireguard-go throughput ratio: X.XX" (weft<->weft 1 stream over wg-go<->wg-go).
# WARMUP=<seconds> runs an untimed iperf3 before each pair's measurement (default 0).
# Needs root, wireguard-go, wireguard-tools, iperf3, iproute2 and a built agent/target/weft.jar.
# Traffic stays inside the namespaces it creates; everything is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
. .mvn/find-jdk.sh
weft_find_jdk
JAR=$PWD/agent/target/weft.jar
[ -f "$JAR" ] || { echo "build first: ./mvnw -DskipTests package" >&2; exit 1; }
for t in wireguard-go wg iperf3 ip ping; do command -v $t >/dev/null || { echo "missing: $t" >&2; exit 1; }; done

ID=$(printf '%04x' $((RANDOM)))
NSA=wbench-a-$ID; NSB=wbench-b-$ID
PIDS=()
TMP=$(mktemp -d)
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && { for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -9 "$p" 2>/dev/null || true; }; done
  ip netns del "$NSA" 2>/dev/null || true
  ip netns del "$NSB" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

ip netns add "$NSA"; ip netns add "$NSB"
ip -n "$NSA" link set lo up; ip -n "$NSB" link set lo up
ip link add va$ID netns "$NSA" type veth peer name vb$ID netns "$NSB"
ip -n "$NSA" addr add 10.251.0.1/24 dev va$ID; ip -n "$NSB" addr add 10.251.0.2/24 dev vb$ID
ip -n "$NSA" link set va$ID up; ip -n "$NSB" link set vb$ID up

umask 077
wg genkey > "$TMP/a.key"; wg genkey > "$TMP/b.key"
chmod 600 "$TMP"/*.key

start_impl() { # impl ns ifname
  local impl=$1 ns=$2 ifn=$3
  if [ "$impl" = weft ]; then
    # WEFT_JAVA_OPTS adds JVM options (e.g. a JFR recording); {if} becomes the interface name.
    # shellcheck disable=SC2086
    ip netns exec "$ns" env WEFT_CRYPTO_WORKERS="${WEFT_CRYPTO_WORKERS:-}" WEFT_BIND="${WEFT_BIND:-}" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC ${WEFT_JAVA_OPTS:+${WEFT_JAVA_OPTS//\{if\}/$ifn}} \
      -cp "$JAR" io.weft.agent.cli.WeftCli wg -f "$ifn" >"$TMP/$ifn.log" 2>&1 &
  else
    ip netns exec "$ns" wireguard-go -f "$ifn" >"$TMP/$ifn.log" 2>&1 &
  fi
  PIDS+=($!)
  for _ in $(seq 300); do [ -S /var/run/wireguard/$ifn.sock ] && return 0; sleep 0.1; done
  echo "$impl did not start; log:" >&2; cat "$TMP/$ifn.log" >&2; exit 1
}

stop_all() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && { for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; }; done
  PIDS=()
}

setup_pair() { # implA implB
  local ia=wa$ID ib=wb$ID
  start_impl "$1" "$NSA" $ia
  start_impl "$2" "$NSB" $ib
  wg set $ia private-key "$TMP/a.key" listen-port 51820 peer "$(wg pubkey < "$TMP/b.key")" allowed-ips 10.252.0.2/32 endpoint 10.251.0.2:51821
  wg set $ib private-key "$TMP/b.key" listen-port 51821 peer "$(wg pubkey < "$TMP/a.key")" allowed-ips 10.252.0.1/32 endpoint 10.251.0.1:51820
  ip -n "$NSA" addr add 10.252.0.1/24 dev $ia; ip -n "$NSA" link set $ia mtu 1420 up
  ip -n "$NSB" addr add 10.252.0.2/24 dev $ib; ip -n "$NSB" link set $ib mtu 1420 up
  ip netns exec "$NSA" ping -c 1 -W 5 10.252.0.2 >/dev/null
}

measure() { # label server-address -> "gbit1 gbit4 rtt"
  local addr=$1
  ip netns exec "$NSB" iperf3 -s -D -B "$addr" -I "$TMP/iperf.pid" >/dev/null
  sleep 0.5
  # WARMUP=<seconds>: an untimed iperf3 first, for every pair alike (a JVM compiles its hot code
  # in the first seconds; the default 0 measures from a cold start, as before).
  if [ "${WARMUP:-0}" -gt 0 ]; then ip netns exec "$NSA" iperf3 -c "$addr" -t "$WARMUP" >/dev/null 2>&1 || true; fi
  local g1 g4 rtt
  g1=$(ip netns exec "$NSA" iperf3 -c "$addr" -t "$DURATION" -J | grep -A12 '"sum_received"' | sed -n 's/.*"bits_per_second":[[:space:]]*\([0-9.e+]*\).*/\1/p' | head -1)
  g4=$(ip netns exec "$NSA" iperf3 -c "$addr" -t "$DURATION" -P 4 -J | grep -A12 '"sum_received"' | sed -n 's/.*"bits_per_second":[[:space:]]*\([0-9.e+]*\).*/\1/p' | head -1)
  kill "$(cat "$TMP/iperf.pid")" 2>/dev/null || true
  rtt=$(ip netns exec "$NSA" ping -c 20 -i 0.05 -q "$addr" | sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
  awk -v a="$g1" -v b="$g4" -v r="$rtt" 'BEGIN { printf "%.3f %.3f %s\n", a/1e9, b/1e9, r }'
}

declare -A R
R[veth]=$(measure 10.251.0.2)
if [ "${ONLY_WEFT:-0}" = 1 ]; then # profiling runs: weft<->weft alone
  setup_pair weft weft; R[weft]=$(measure 10.252.0.2); stop_all
  echo "weft <-> weft: ${R[weft]}"; exit 0
fi
setup_pair wireguard-go wireguard-go; R[wggo]=$(measure 10.252.0.2); stop_all
setup_pair weft weft;                 R[weft]=$(measure 10.252.0.2); stop_all
setup_pair weft wireguard-go;         R[mixed]=$(measure 10.252.0.2); stop_all

printf '\n%-32s %14s %14s %12s\n' "path (A -> B)" "1 stream Gb/s" "4 streams Gb/s" "ping RTT ms"
for k in veth wggo weft mixed; do
  case $k in veth) n="bare veth";; wggo) n="wireguard-go <-> wireguard-go";; weft) n="weft <-> weft";; mixed) n="weft <-> wireguard-go";; esac
  read -r g1 g4 rtt <<<"${R[$k]}"
  printf '%-32s %14s %14s %12s\n' "$n" "$g1" "$g4" "$rtt"
done
read -r w1 _ _ <<<"${R[weft]}"; read -r g1 _ _ <<<"${R[wggo]}"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(java_v=$("$JAVA_HOME/bin/java" -version 2>&1 | head -1); echo "$java_v"), $(wireguard-go --version | head -1)"
awk -v w="$w1" -v g="$g1" 'BEGIN { printf "weft/wireguard-go throughput ratio: %.2f\n", (g > 0 ? w / g : 0) }'
