#!/usr/bin/env bash
# Side-by-side tunnel benchmark, one run: every wireguard-go build found, Weft <-> Weft, and Weft
# with each build in both directions, each pair between two network namespaces joined by a veth
# pair, plus the bare veth as a baseline. Per pair: iperf3 TCP with 1 and 4 streams (DURATION
# seconds each, A sends to B), ping RTT, and CPU seconds per GB moved for each side's tunnel
# process (user + system time from /proc, both iperf3 runs together).
#
# The builds: Debian 12's package (`wireguard-go` on PATH, 0.0.20220316), Debian 13's build
# (0.0.20231211, TUN TSO/GRO and UDP GSO/GRO; $WG_GO_13, else the one
# ../shared/tools/wireguard-go-debian13.sh puts in target/), and, when $WG_GO_LATEST names a
# binary (e.g. built with `go install golang.zx2c4.com/wireguard@latest`), the newest release.
# Ends with one line per build found:
#   weft/wireguard-go-<version> throughput ratio: X.XX   (weft<->weft over build<->build, 1 stream)
# WARMUP=<seconds> runs an untimed iperf3 before each pair's measurement (default 0).
# ONLY="weft:weft wg13:wg13" measures just those pairs; WEFT_JAR=path/to/weft.jar runs another build. Needs root, wireguard-tools, iperf3,
# iproute2 and a built agent/target/weft.jar. Traffic stays inside the namespaces it creates;
# everything is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
. .mvn/find-jdk.sh
weft_find_jdk
JAR=${WEFT_JAR:-$PWD/agent/target/weft.jar}  # WEFT_JAR compares another build side by side
[ -f "$JAR" ] || { echo "build first: ./mvnw -DskipTests package" >&2; exit 1; }
for t in wg iperf3 ip ping awk; do command -v $t >/dev/null || { echo "missing: $t" >&2; exit 1; }; done

declare -A BIN VER
if command -v wireguard-go >/dev/null; then BIN[wg12]=$(command -v wireguard-go); fi
if [ -z "${WG_GO_13:-}" ] && [ -x target/wireguard-go-debian13/wireguard-go ]; then
  WG_GO_13=$PWD/target/wireguard-go-debian13/wireguard-go
fi
if [ -z "${WG_GO_13:-}" ] && [ -f ../shared/tools/wireguard-go-debian13.sh ]; then
  WG_GO_13=$(bash ../shared/tools/wireguard-go-debian13.sh "$PWD/target/wireguard-go-debian13" 2>/dev/null | tail -1 || true)
fi
[ -n "${WG_GO_13:-}" ] && [ -x "$WG_GO_13" ] && BIN[wg13]=$WG_GO_13
[ -n "${WG_GO_LATEST:-}" ] && [ -x "$WG_GO_LATEST" ] && BIN[wglatest]=$WG_GO_LATEST
[ ${#BIN[@]} -gt 0 ] || { echo "no wireguard-go build found (apt-get install wireguard-go, or set WG_GO_13)" >&2; exit 1; }
reported() { "$1" --version 2>/dev/null | sed -n 's/.*wireguard-go v\{0,1\}\([0-9][^ ]*\).*/\1/p' | head -1; }
for k in "${!BIN[@]}"; do
  VER[$k]=$(reported "${BIN[$k]}")
  [ -n "${VER[$k]}" ] || VER[$k]=$k
done
# Debian 13's package is 0.0.20231211, but its binary reports 0.0.20230223 (upstream's version
# string was not bumped): it is labelled by the package it comes from.
[ -n "${BIN[wg13]:-}" ] && VER[wg13]=${WG_GO_13_VERSION:-0.0.20231211}

ID=$(printf '%04x' $((RANDOM)))
NSA=wbench-a-$ID; NSB=wbench-b-$ID
PIDS=()
TMP=$(mktemp -d)
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && { for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -9 "$p" 2>/dev/null || true; }; done
  [ -f "$TMP/iperf.pid" ] && kill "$(cat "$TMP/iperf.pid")" 2>/dev/null || true
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

start_impl() { # impl ns ifname -> sets STARTED_PID
  local impl=$1 ns=$2 ifn=$3
  if [ "$impl" = weft ]; then
    # WEFT_JAVA_OPTS adds JVM options (e.g. a JFR recording); {if} becomes the interface name.
    # shellcheck disable=SC2086
    ip netns exec "$ns" env WEFT_CRYPTO_WORKERS="${WEFT_CRYPTO_WORKERS:-}" WEFT_BIND="${WEFT_BIND:-}" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC ${WEFT_JAVA_OPTS:+${WEFT_JAVA_OPTS//\{if\}/$ifn}} \
      -cp "$JAR" io.weft.agent.cli.WeftCli wg -f "$ifn" >"$TMP/$ifn.log" 2>&1 &
  else
    ip netns exec "$ns" "${BIN[$impl]}" -f "$ifn" >"$TMP/$ifn.log" 2>&1 &
  fi
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 300); do [ -S /var/run/wireguard/$ifn.sock ] && return 0; sleep 0.1; done
  echo "$impl did not start; log:" >&2; cat "$TMP/$ifn.log" >&2; exit 1
}

stop_all() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && { for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; }; done
  PIDS=()
}

cpu_ticks() { # pid -> utime+stime in clock ticks (fields 14 and 15 of /proc/PID/stat)
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

setup_pair() { # implA implB -> PID_A PID_B
  local ia=wa$ID ib=wb$ID
  start_impl "$1" "$NSA" $ia; PID_A=$STARTED_PID
  start_impl "$2" "$NSB" $ib; PID_B=$STARTED_PID
  wg set $ia private-key "$TMP/a.key" listen-port 51820 peer "$(wg pubkey < "$TMP/b.key")" allowed-ips 10.252.0.2/32 endpoint 10.251.0.2:51821
  wg set $ib private-key "$TMP/b.key" listen-port 51821 peer "$(wg pubkey < "$TMP/a.key")" allowed-ips 10.252.0.1/32 endpoint 10.251.0.1:51820
  ip -n "$NSA" addr add 10.252.0.1/24 dev $ia; ip -n "$NSA" link set $ia mtu 1420 up
  ip -n "$NSB" addr add 10.252.0.2/24 dev $ib; ip -n "$NSB" link set $ib mtu 1420 up
  ip netns exec "$NSA" ping -c 1 -W 5 10.252.0.2 >/dev/null
}

iperf_json() { # addr streams -> "bits_per_second bytes" of the receiver's sum
  ip netns exec "$NSA" iperf3 -c "$1" -t "$DURATION" -P "$2" -J >"$TMP/iperf.json"
  awk '/"sum_received"/ { f = 1 } f && /"bytes"/ { gsub(/[^0-9.e+]/, "", $2); b = $2 }
       f && /"bits_per_second"/ { gsub(/[^0-9.e+]/, "", $2); print $2, b; exit }' FS=: "$TMP/iperf.json"
}

measure() { # server-address [pidA pidB] -> "gbit1 gbit4 rtt cpuA cpuB" (cpu in s/GB, - for none)
  local addr=$1 pa=${2:-} pb=${3:-}
  ip netns exec "$NSB" iperf3 -s -D -B "$addr" -I "$TMP/iperf.pid" >/dev/null
  sleep 0.5
  # WARMUP=<seconds>: an untimed iperf3 first, for every pair alike (a JVM compiles its hot code
  # in the first seconds; the default 0 measures from a cold start).
  if [ "${WARMUP:-0}" -gt 0 ]; then ip netns exec "$NSA" iperf3 -c "$addr" -t "$WARMUP" >/dev/null 2>&1 || true; fi
  local ta0=0 tb0=0 ta1=0 tb1=0
  [ -n "$pa" ] && { ta0=$(cpu_ticks "$pa"); tb0=$(cpu_ticks "$pb"); }
  local r1 r4
  r1=$(iperf_json "$addr" 1)
  r4=$(iperf_json "$addr" 4)
  [ -n "$pa" ] && { ta1=$(cpu_ticks "$pa"); tb1=$(cpu_ticks "$pb"); }
  kill "$(cat "$TMP/iperf.pid")" 2>/dev/null || true
  rm -f "$TMP/iperf.pid"
  local rtt
  rtt=$(ip netns exec "$NSA" ping -c 20 -i 0.05 -q "$addr" | sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
  awk -v r1="$r1" -v r4="$r4" -v rtt="$rtt" -v da=$((ta1 - ta0)) -v db=$((tb1 - tb0)) -v hz="$(getconf CLK_TCK)" -v cpu="${pa:+1}" 'BEGIN {
    split(r1, a, " "); split(r4, b, " "); gb = (a[2] + b[2]) / 1e9
    ca = "-"; cb = "-"
    if (cpu && gb > 0) { ca = sprintf("%.2f", da / hz / gb); cb = sprintf("%.2f", db / hz / gb) }
    printf "%.3f %.3f %s %s %s\n", a[1] / 1e9, b[1] / 1e9, rtt, ca, cb }'
}

name() { case $1 in weft) echo weft;; *) echo "wireguard-go-${VER[$1]}";; esac; }

PAIRS=()
if [ -n "${ONLY:-}" ]; then
  read -r -a PAIRS <<<"$ONLY"
else
  for k in wg12 wg13 wglatest; do [ -n "${BIN[$k]:-}" ] && PAIRS+=("$k:$k"); done
  PAIRS+=("weft:weft")
  for k in wg12 wg13 wglatest; do [ -n "${BIN[$k]:-}" ] && PAIRS+=("weft:$k" "$k:weft"); done
fi

declare -A R
R[veth]="$(measure 10.251.0.2)"
for p in "${PAIRS[@]}"; do
  a=${p%%:*}; b=${p##*:}
  setup_pair "$a" "$b"
  R[$p]=$(measure 10.252.0.2 "$PID_A" "$PID_B")
  stop_all
done

printf '\n%-58s %9s %9s %8s %10s %10s\n' "pair (A sends to B)" "1 str Gb/s" "4 str Gb/s" "ping ms" "A cpu s/GB" "B cpu s/GB"
read -r g1 g4 rtt _ _ <<<"${R[veth]}"
printf '%-58s %9s %9s %8s %10s %10s\n' "bare veth" "$g1" "$g4" "$rtt" - -
for p in "${PAIRS[@]}"; do
  a=${p%%:*}; b=${p##*:}
  read -r g1 g4 rtt ca cb <<<"${R[$p]}"
  if [ "$a" = "$b" ]; then n="$(name "$a") <-> same"; else n="$(name "$a") -> $(name "$b")"; fi
  printf '%-58s %9s %9s %8s %10s %10s\n' "$n" "$g1" "$g4" "$rtt" "$ca" "$cb"
done
for k in wg12 wg13 wglatest; do [ -n "${BIN[$k]:-}" ] && echo "$(name "$k"): ${BIN[$k]} (reports $(reported "${BIN[$k]}"))"; done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg), $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
if [ -n "${R[weft:weft]:-}" ]; then
  read -r w1 _ <<<"${R[weft:weft]}"
  for k in wglatest wg13 wg12; do
    [ -n "${R[$k:$k]:-}" ] || continue
    read -r g1 _ <<<"${R[$k:$k]}"
    awk -v w="$w1" -v g="$g1" -v n="$(name "$k")" 'BEGIN { printf "weft/%s throughput ratio: %.2f\n", n, (g > 0 ? w / g : 0) }'
  done
fi
