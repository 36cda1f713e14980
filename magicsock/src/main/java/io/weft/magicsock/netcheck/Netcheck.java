package io.weft.magicsock.netcheck;

import io.weft.magicsock.stun.StunClient;
import io.weft.wg.conn.RelayMap;
import io.weft.wg.time.NanoClock;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/** Runs one network report against a relay map; see the package documentation. */
public final class Netcheck {
  /**
   * The report.
   *
   * @param udp a STUN round trip over IPv4 completed
   * @param globalV4 the mapped address the first answering server saw, or null
   * @param mappingVariesByDestIp true/false when two or more servers answered, else null
   * @param regionLatency the best latency per region id (STUN, or TCP connect to the relay port
   *     when no STUN server answered)
   * @param preferredRegion the region with the lowest latency, 0 for none
   */
  public record Report(
      boolean udp,
      InetSocketAddress globalV4,
      Boolean mappingVariesByDestIp,
      Map<Integer, Duration> regionLatency,
      int preferredRegion) {
    /** The report as {@code weft netcheck} prints it. */
    public String render(RelayMap relays) {
      StringBuilder b = new StringBuilder("Report:\n");
      b.append("\t* UDP: ").append(udp).append('\n');
      b.append("\t* IPv4: ")
          .append(
              globalV4 == null
                  ? "(no addr found)"
                  : "yes, " + globalV4.getAddress().getHostAddress() + ":" + globalV4.getPort())
          .append('\n');
      b.append("\t* MappingVariesByDestIP: ")
          .append(mappingVariesByDestIp == null ? "" : mappingVariesByDestIp)
          .append('\n');
      String code = "";
      for (RelayMap.Region r : relays.regions()) {
        if (r.id() == preferredRegion) {
          code = r.code();
        }
      }
      b.append("\t* Nearest relay: ").append(preferredRegion == 0 ? "unknown" : code).append('\n');
      b.append("\t* Relay latency:\n");
      for (RelayMap.Region r : relays.regions()) {
        Duration d = regionLatency.get(r.id());
        b.append("\t\t- ")
            .append(r.code())
            .append(": ")
            .append(d == null ? "" : String.format("%.1fms", d.toNanos() / 1e6))
            .append('\n');
      }
      return b.toString();
    }
  }

  private final NanoClock clock;
  private final Duration timeout;

  /** Measures with {@code clock}; waits at most {@code timeout} for STUN answers. */
  public Netcheck(NanoClock clock, Duration timeout) {
    this.clock = clock;
    this.timeout = timeout;
  }

  private record Probe(
      int region,
      InetSocketAddress server,
      long sentNanos,
      CompletableFuture<InetSocketAddress> answer) {}

  /** Runs the report against every STUN server and relay in {@code relays}. */
  public Report run(RelayMap relays) throws IOException {
    List<Probe> probes = new ArrayList<>();
    Map<Integer, Long> best = new TreeMap<>();
    Map<Probe, Long> rtt = new java.util.HashMap<>();
    try (DatagramChannel ch = DatagramChannel.open(java.net.StandardProtocolFamily.INET);
        Selector sel = Selector.open()) {
      ch.bind(new InetSocketAddress(0));
      ch.configureBlocking(false);
      ch.register(sel, SelectionKey.OP_READ);
      StunClient stun = new StunClient((d, to) -> ch.send(ByteBuffer.wrap(d), to));
      for (RelayMap.Region r : relays.regions()) {
        for (RelayMap.Relay relay : r.relays()) {
          if (relay.stunPort() > 0) {
            InetSocketAddress s = new InetSocketAddress(relay.hostName(), relay.stunPort());
            if (s.isUnresolved()) {
              continue;
            }
            long t = clock.nanoTime();
            probes.add(new Probe(r.id(), s, t, stun.request(s)));
          }
        }
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      ByteBuffer buf = ByteBuffer.allocate(1500);
      while (!probes.stream().allMatch(p -> p.answer().isDone())) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        sel.select(Math.max(1, left / 1_000_000));
        sel.selectedKeys().clear();
        buf.clear();
        while (ch.receive(buf) != null) {
          stun.offer(buf.array(), 0, buf.position());
          long now = clock.nanoTime();
          for (Probe p : probes) {
            if (p.answer().isDone() && !rtt.containsKey(p)) {
              rtt.put(p, now - p.sentNanos());
            }
          }
          buf.clear();
        }
      }
    }
    Set<InetSocketAddress> mapped = new LinkedHashSet<>();
    for (Probe p : probes) {
      Long r = rtt.get(p);
      if (r != null) {
        mapped.add(p.answer().join());
        best.merge(p.region(), r, Math::min);
      }
    }
    for (RelayMap.Region r : relays.regions()) {
      if (!best.containsKey(r.id())) {
        Long tcp = tcpLatency(r);
        if (tcp != null) {
          best.put(r.id(), tcp);
        }
      }
    }
    Map<Integer, Duration> latency = new TreeMap<>();
    int preferred = 0;
    long min = Long.MAX_VALUE;
    for (Map.Entry<Integer, Long> e : best.entrySet()) {
      latency.put(e.getKey(), Duration.ofNanos(e.getValue()));
      if (e.getValue() < min) {
        min = e.getValue();
        preferred = e.getKey();
      }
    }
    int answered = (int) probes.stream().filter(rtt::containsKey).count();
    return new Report(
        !mapped.isEmpty(),
        mapped.isEmpty() ? null : mapped.iterator().next(),
        answered >= 2 ? mapped.size() > 1 : null,
        latency,
        preferred);
  }

  private Long tcpLatency(RelayMap.Region r) {
    Long best = null;
    for (RelayMap.Relay relay : r.relays()) {
      long t = clock.nanoTime();
      try (Socket s = new Socket()) {
        s.connect(
            new InetSocketAddress(relay.hostName(), relay.relayPort()),
            (int) Math.max(1, timeout.toMillis()));
        long d = clock.nanoTime() - t;
        best = best == null ? d : Math.min(best, d);
      } catch (IOException e) {
        // unreachable relay: no latency for it
      }
    }
    return best;
  }
}
