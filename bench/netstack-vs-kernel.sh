#!/usr/bin/env bash
# Throughput of the userspace netstack against the Linux kernel's TCP, measured with iperf3:
#  - kernel <-> netstack: a namespace whose only link is a TUN device bridged to a netstack in a
#    JVM (io.weft.netstack.linux.NetstackIperf3Bridge, test code) that serves the iperf3 protocol;
#    iperf3 -c in the namespace sends to it, and with -R receives from it;
#  - kernel <-> kernel: iperf3 between two namespaces joined by a veth pair (same MTU).
# Prints a table and ends with "netstack/kernel throughput ratio: X.XX": the mean of the two
# netstack directions over the veth figure. Needs root, iperf3, iproute2 and JDK 25; builds the
# netstack test classes if they are missing. Everything it creates is removed on exit.
# JAVA_OPTS is passed to the bridge's JVM (for example a JFR recording:
# JAVA_OPTS=-XX:StartFlightRecording=filename=/tmp/bridge.jfr,settings=profile).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-5}
MTU=1420
. .mvn/find-jdk.sh
weft_find_jdk
for t in iperf3 ip; do command -v $t >/dev/null || { echo "missing: $t" >&2; exit 1; }; done
[ "$(id -u)" = 0 ] || { echo "needs root (namespaces, TUN)" >&2; exit 1; }

if [ ! -f netstack/target/test-classes/io/weft/netstack/linux/NetstackIperf3Bridge.class ]; then
  ./mvnw -B -q -o -pl netstack -am test-compile >&2
fi
JNA_VERSION=$(sed -n 's:.*<jna.version>\(.*\)</jna.version>.*:\1:p' pom.xml)
JNA=$HOME/.m2/repository/net/java/dev/jna/jna/$JNA_VERSION/jna-$JNA_VERSION.jar
[ -f "$JNA" ] || { echo "missing $JNA (run ./mvnw -pl netstack -am test-compile once online)" >&2; exit 1; }
CP=netstack/target/classes:netstack/target/test-classes:$JNA

ID=$(printf '%04x' $((RANDOM)))
NST=wnsk-t-$ID; NSA=wnsk-a-$ID; NSB=wnsk-b-$ID; TUN=wnskt$ID
TMP=$(mktemp -d)
JAVA_PID=""
cleanup() {
  if [ -n "$JAVA_PID" ]; then
    kill "$JAVA_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$JAVA_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$JAVA_PID" 2>/dev/null || true
  fi
  for ns in "$NST" "$NSA" "$NSB"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

# iperf3 -J output -> Gbit/s received (the receiver's count)
gbps() { grep -A12 '"sum_received"' | sed -n 's/.*"bits_per_second":[[:space:]]*\([0-9.e+]*\).*/\1/p' | head -1 \
  | awk '{ printf "%.3f", $1 / 1e9 }'; }

# kernel <-> netstack over the TUN
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC ${JAVA_OPTS:-} -cp "$CP" \
  io.weft.netstack.linux.NetstackIperf3Bridge "$TUN" 10.79.0.2 fd79::2 $MTU >"$TMP/java.log" 2>&1 &
JAVA_PID=$!
for _ in $(seq 100); do grep -q ready "$TMP/java.log" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$TMP/java.log" || { echo "netstack bridge did not start:" >&2; cat "$TMP/java.log" >&2; exit 1; }
ip netns add "$NST"
ip link set "$TUN" netns "$NST"
ip -n "$NST" link set lo up
ip -n "$NST" addr add 10.79.0.1/24 dev "$TUN"
ip -n "$NST" link set "$TUN" mtu $MTU up
# Warm the JIT up before measuring.
ip netns exec "$NST" iperf3 -c 10.79.0.2 -t 2 -J >/dev/null
ip netns exec "$NST" iperf3 -c 10.79.0.2 -t 2 -R -J >/dev/null
to_netstack=$(ip netns exec "$NST" iperf3 -c 10.79.0.2 -t "$DURATION" -J | gbps)
from_netstack=$(ip netns exec "$NST" iperf3 -c 10.79.0.2 -t "$DURATION" -R -J | gbps)

# kernel <-> kernel over a veth pair
ip netns add "$NSA"; ip netns add "$NSB"
ip -n "$NSA" link set lo up; ip -n "$NSB" link set lo up
ip link add va$ID netns "$NSA" type veth peer name vb$ID netns "$NSB"
ip -n "$NSA" addr add 10.252.0.1/24 dev va$ID; ip -n "$NSB" addr add 10.252.0.2/24 dev vb$ID
ip -n "$NSA" link set va$ID mtu $MTU up; ip -n "$NSB" link set vb$ID mtu $MTU up
ip netns exec "$NSB" iperf3 -s -D -B 10.252.0.2 -I "$TMP/iperf.pid" >/dev/null
for _ in $(seq 50); do [ -s "$TMP/iperf.pid" ] && break; sleep 0.1; done
sleep 0.2
veth=$(ip netns exec "$NSA" iperf3 -c 10.252.0.2 -t "$DURATION" -J | gbps)

printf '\n%-44s %10s\n' "path (iperf3 TCP, 1 stream, ${DURATION} s)" "Gbit/s"
printf '%-44s %10s\n' "kernel -> netstack (TUN, MTU $MTU)" "$to_netstack"
printf '%-44s %10s\n' "netstack -> kernel (TUN, MTU $MTU, -R)" "$from_netstack"
printf '%-44s %10s\n' "kernel -> kernel (veth, MTU $MTU)" "$veth"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
awk -v a="$to_netstack" -v b="$from_netstack" -v k="$veth" \
  'BEGIN { printf "netstack/kernel throughput ratio: %.2f\n", (k > 0 ? (a + b) / 2 / k : 0) }'
