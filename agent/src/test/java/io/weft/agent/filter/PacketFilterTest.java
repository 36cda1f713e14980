package io.weft.agent.filter;

import static io.weft.agent.filter.FilterHarness.ACK;
import static io.weft.agent.filter.FilterHarness.SYN;
import static io.weft.agent.filter.FilterHarness.echo;
import static io.weft.agent.filter.FilterHarness.ip;
import static io.weft.agent.filter.FilterHarness.proto;
import static io.weft.agent.filter.FilterHarness.tcp;
import static io.weft.agent.filter.FilterHarness.udp;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import io.weft.control.protocol.FilterRule;
import io.weft.control.protocol.MessageCodec;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The inbound filter through a real pipeline: the matcher's table (ports, ranges, {@code *}, IPv4
 * and IPv6, protocols), the stateful cases (replies to our own flows, unsolicited inbound, a swap
 * keeping an established flow, eviction when a table is full, expiry on the injected clock), the
 * drop reasons, and no allocation per packet.
 */
class PacketFilterTest {
  static final InetAddress ME = ip("100.64.0.1");
  static final InetAddress PEER = ip("100.64.0.2");
  static final InetAddress OTHER = ip("100.64.0.9");
  static final InetAddress ME6 = ip("fd7a:115c:a1e0::1");
  static final InetAddress PEER6 = ip("fd7a:115c:a1e0::2");

  final AtomicLong now = new AtomicLong(1_000_000_000L);

  PacketFilter filter(String json) throws Exception {
    PacketFilter f = new PacketFilter(PacketFilter.Config.DEFAULT, now::get);
    f.update(rules(json));
    return f;
  }

  static List<FilterRule> rules(String json) throws Exception {
    return MessageCodec.JSON.readValue(json, new TypeReference<List<FilterRule>>() {});
  }

  @Test
  void shouldMatchTheRuleTable() throws Exception {
    FilterHarness h =
        new FilterHarness(
            filter(
                """
        [{"SrcIPs":["100.64.0.2"],"DstPorts":[{"IP":"100.64.0.1","Ports":{"First":22,"Last":22}},
                                               {"IP":"100.64.0.1","Ports":{"First":8000,"Last":8010}}]},
         {"SrcIPs":["*"],"DstPorts":[{"IP":"*","Ports":{"First":443,"Last":443}}],"IPProto":[6]},
         {"SrcIPs":["fd7a:115c:a1e0::/48"],"DstPorts":[{"IP":"fd7a:115c:a1e0::1","Ports":{"First":53,"Last":53}}],
          "IPProto":[17]},
         {"SrcIPs":["100.64.0.5-100.64.0.10"],"DstPorts":[{"IP":"100.64.0.0/24","Ports":{"First":0,"Last":65535}}],
          "IPProto":[47]}]
        """));
    record Row(String what, byte[] packet, boolean admitted) {}
    List<Row> table =
        List.of(
            new Row("tcp 22 from the listed source", tcp(PEER, 40000, ME, 22, SYN), true),
            new Row("tcp 8005 inside a range", tcp(PEER, 40001, ME, 8005, SYN), true),
            new Row("tcp 8011 just past the range", tcp(PEER, 40002, ME, 8011, SYN), false),
            new Row("tcp 7999 just before the range", tcp(PEER, 40003, ME, 7999, SYN), false),
            new Row("tcp 22 from another source", tcp(OTHER, 40004, ME, 22, SYN), false),
            new Row("udp 22: default protocols include udp", udp(PEER, 40005, ME, 22), true),
            new Row(
                "ping: default protocols include icmp, any port", echo(PEER, ME, false, 7), true),
            new Row(
                "tcp 443 from anyone (* source and destination)",
                tcp(OTHER, 40006, ME, 443, SYN),
                true),
            new Row("udp 443: that rule is tcp only", udp(OTHER, 40007, ME, 443), false),
            new Row(
                "tcp 443 over IPv6 (* covers both families)",
                tcp(PEER6, 40008, ME6, 443, SYN),
                true),
            new Row("udp 53 over IPv6", udp(PEER6, 40009, ME6, 53), true),
            new Row("tcp 53 over IPv6: udp only", tcp(PEER6, 40010, ME6, 53, SYN), false),
            new Row("ping6 from the /48: the rule is udp only", echo(PEER6, ME6, false, 8), false),
            new Row(
                "GRE from inside the a-b range, all ports", proto(ip("100.64.0.7"), ME, 47), true),
            new Row("GRE from just outside the range", proto(ip("100.64.0.11"), ME, 47), false),
            new Row("protocol 50 nobody lists", proto(ip("100.64.0.7"), ME, 50), false));
    for (Row r : table) {
      assertThat(h.in(r.packet())).as(r.what()).isEqualTo(r.admitted());
    }
    assertThat(h.filter.acceptedByRule()).containsExactly(4, 2, 1, 1);
    // The "* -> *:443/tcp" rule matches every address pair, so misses are wrong port or protocol.
    assertThat(h.filter.stats().get(FilterStats.WRONG_PORT))
        .as("8011, 7999, 22 from another source, tcp 53 over IPv6")
        .isEqualTo(4);
    assertThat(h.filter.wrongPortByRule()).containsExactly(2, 2, 0, 0);
    assertThat(h.filter.stats().get(FilterStats.WRONG_PROTOCOL))
        .as("udp 443, ping6, GRE from outside the range, protocol 50")
        .isEqualTo(4);
    assertThat(h.filter.stats().get(FilterStats.NO_RULE)).isZero();
    PacketFilter narrow =
        filter(
            """
        [{"SrcIPs":["100.64.0.2"],"DstPorts":[{"IP":"100.64.0.1","Ports":{"First":22,"Last":22}}]}]""");
    FilterHarness n = new FilterHarness(narrow);
    assertThat(n.in(tcp(OTHER, 1, ME, 22, SYN))).isFalse();
    assertThat(n.in(tcp(PEER, 1, ip("100.64.0.3"), 22, SYN))).as("another destination").isFalse();
    assertThat(narrow.stats().get(FilterStats.NO_RULE)).isEqualTo(2);
  }

  @Test
  void shouldSkipMalformedEntriesAndKeepTheRest() throws Exception {
    PacketFilter f =
        filter(
            """
        [{"SrcIPs":["100.64.0.2/24","nonsense","cap:foo","100.64.0.2"],
          "DstPorts":[{"IP":"100.64.0.1","Ports":{"First":5,"Last":1}},{"IP":"100.64.0.1","Ports":{"First":80,"Last":80}}],
          "IPProto":[6, 999]}]
        """);
    assertThat(f.skippedEntries()).hasSize(4);
    FilterHarness h = new FilterHarness(f);
    assertThat(h.in(tcp(PEER, 1, ME, 80, SYN))).isTrue();
    assertThat(h.in(tcp(ip("100.64.0.3"), 1, ME, 80, SYN)))
        .as("the /24 with host bits was skipped")
        .isFalse();
  }

  @Test
  void shouldAdmitRepliesToOurOwnFlowsAndDropUnsolicitedInbound() throws Exception {
    FilterHarness h = new FilterHarness(filter("[]")); // no rules: only replies
    // Unsolicited: dropped, with the reason.
    assertThat(h.in(tcp(PEER, 5555, ME, 22, SYN))).isFalse();
    assertThat(h.in(tcp(PEER, 5555, ME, 22, ACK))).isFalse();
    assertThat(h.in(udp(PEER, 53, ME, 40000))).isFalse();
    assertThat(h.in(echo(PEER, ME, true, 42))).as("an echo reply nobody asked for").isFalse();
    assertThat(h.filter.stats().get(FilterStats.NOT_NEW)).isEqualTo(2);
    assertThat(h.filter.stats().get(FilterStats.NO_RULE)).isEqualTo(2);
    // Our own connections: replies come in, the reverse of other ports does not.
    h.out(tcp(ME, 40000, PEER, 80, SYN));
    assertThat(h.in(tcp(PEER, 80, ME, 40000, SYN | ACK))).isTrue();
    assertThat(h.in(tcp(PEER, 80, ME, 40000, ACK))).isTrue();
    assertThat(h.in(tcp(PEER, 80, ME, 40001, SYN | ACK))).as("another local port").isFalse();
    h.out(udp(ME, 40000, PEER, 53));
    assertThat(h.in(udp(PEER, 53, ME, 40000))).isTrue();
    assertThat(h.in(udp(OTHER, 53, ME, 40000))).as("another remote").isFalse();
    h.out(echo(ME, PEER, false, 42));
    assertThat(h.in(echo(PEER, ME, true, 42))).isTrue();
    assertThat(h.in(echo(PEER, ME, true, 43))).as("another echo id").isFalse();
    h.out(udp(ME6, 1000, PEER6, 2000));
    assertThat(h.in(udp(PEER6, 2000, ME6, 1000))).as("IPv6 reply").isTrue();
    // Expiry on the injected clock: an idle UDP flow ends after 2 minutes.
    now.addAndGet(Duration.ofMinutes(3).toNanos());
    assertThat(h.in(udp(PEER, 53, ME, 40000))).as("expired").isFalse();
  }

  /** An IPv6 fragment: fragment header (offset in 8-byte units, more-fragments set) then data. */
  static byte[] fragment6(byte[] inner, int offsetUnits) {
    byte[] tcp = java.util.Arrays.copyOfRange(inner, 40, inner.length);
    java.nio.ByteBuffer f = java.nio.ByteBuffer.allocate(8 + tcp.length);
    f.put((byte) 6).put((byte) 0).putShort((short) (offsetUnits << 3 | 1)).putInt(77).put(tcp);
    return FilterHarness.ipPacket(PEER6, ME6, 44, f.array());
  }

  @Test
  void shouldJudgeTheFirstIpv6FragmentByItsTransportHeader() throws Exception {
    FilterHarness h =
        new FilterHarness(
            filter(
                """
        [{"SrcIPs":["*"],"DstPorts":[{"IP":"*","Ports":{"First":22,"Last":22}}],"IPProto":[6]}]"""));
    assertThat(h.in(fragment6(tcp(PEER6, 1, ME6, 23, SYN), 0)))
        .as("a SYN to a closed port in a fragment")
        .isFalse();
    assertThat(h.filter.stats().get(FilterStats.WRONG_PORT)).isEqualTo(1);
    assertThat(h.in(fragment6(tcp(PEER6, 1, ME6, 22, SYN), 0))).as("to the open port").isTrue();
    assertThat(h.in(fragment6(tcp(PEER6, 1, ME6, 23, SYN), 5))).as("a later fragment").isTrue();
    assertThat(h.filter.stats().get(FilterStats.ACCEPT_FRAGMENT)).isEqualTo(1);
  }

  @Test
  void shouldTrackFlowsOfInjectedOutboundPackets() throws Exception {
    FilterHarness h = new FilterHarness(filter("[]"));
    assertThat(h.pipeline.injectOutbound(echo(ME, PEER, false, 99))).isTrue();
    h.tun.fromOs.add(udp(ME, 1, PEER, 2)); // the reader drains the injected packet first
    assertThat(
            h.pipeline.read(
                new java.nio.ByteBuffer[] {
                  java.nio.ByteBuffer.allocate(2048), java.nio.ByteBuffer.allocate(2048)
                },
                new int[2],
                FilterHarness.OFFSET))
        .isEqualTo(1);
    assertThat(h.in(echo(PEER, ME, true, 99))).as("the reply to weft ping's request").isTrue();
  }

  @Test
  void shouldTraceInWordsWithoutCounting() throws Exception {
    PacketFilter f =
        filter(
            """
        [{"SrcIPs":["100.64.0.2"],"DstPorts":[{"IP":"100.64.0.1","Ports":{"First":22,"Last":22}},
                                               {"IP":"100.64.0.1","Ports":{"First":80,"Last":81}}],"IPProto":[6]}]""");
    assertThat(f.trace(PEER, ME, 22, 6))
        .startsWith(
            "accepted by rule 0 (from 100.64.0.2 to 100.64.0.1:22,"
                + "100.64.0.1:80-81 proto [6])");
    assertThat(f.trace(PEER, ME, 23, 6))
        .startsWith("dropped: wrong port: rule 0 opens only port(s) 22, 80-81");
    assertThat(f.trace(PEER, ME, 22, 17))
        .startsWith("dropped: rule 0 covers the addresses but only protocols [6]");
    assertThat(f.trace(OTHER, ME, 22, 6)).startsWith("dropped: no rule: none of the 1 rules");
    assertThat(f.trace(PEER6, ME, 22, 6)).contains("different address families");
    assertThat(f.acceptedByRule()).containsExactly(0);
    assertThat(f.stats().dropped()).isZero();
    PacketFilter none = new PacketFilter(PacketFilter.Config.DEFAULT, now::get);
    assertThat(none.trace(PEER, ME, 22, 6))
        .startsWith(
            "(no filter received from the server yet) dropped: no rules installed (default deny)");
  }

  @Test
  void shouldDenyEverythingNewBeforeAnyFilterArrives() throws Exception {
    PacketFilter f = new PacketFilter(PacketFilter.Config.DEFAULT, now::get);
    f.update(null); // a server that predates filters
    FilterHarness h = new FilterHarness(f);
    assertThat(f.received()).isFalse();
    assertThat(h.in(tcp(PEER, 1, ME, 22, SYN))).isFalse();
    assertThat(h.in(echo(PEER, ME, false, 1))).isFalse();
    h.out(tcp(ME, 2, PEER, 22, SYN));
    assertThat(h.in(tcp(PEER, 22, ME, 2, SYN | ACK))).as("replies still come in").isTrue();
  }

  @Test
  void shouldKeepAnEstablishedFlowAcrossASwap() throws Exception {
    PacketFilter f =
        filter(
            """
        [{"SrcIPs":["100.64.0.2"],"DstPorts":[{"IP":"100.64.0.1","Ports":{"First":22,"Last":22}}]}]""");
    FilterHarness h = new FilterHarness(f);
    assertThat(h.in(tcp(PEER, 5000, ME, 22, SYN))).isTrue();
    h.out(tcp(ME, 22, PEER, 5000, SYN | ACK));
    assertThat(h.in(tcp(PEER, 5000, ME, 22, ACK))).isTrue();
    f.update(rules("[]"));
    assertThat(h.in(tcp(PEER, 5000, ME, 22, ACK))).as("established, after the swap").isTrue();
    assertThat(h.in(tcp(PEER, 5001, ME, 22, SYN))).as("a new connection, after the swap").isFalse();
    assertThat(f.stats().get(FilterStats.NO_RULE)).isEqualTo(1);
  }

  @Test
  void shouldEvictTheOldestFlowWhenTheTableIsFull() throws Exception {
    PacketFilter f =
        new PacketFilter(
            new PacketFilter.Config(
                1, 1, Duration.ofHours(1), Duration.ofMinutes(2), Duration.ofSeconds(30)),
            now::get);
    f.update(rules("[]"));
    FilterHarness h = new FilterHarness(f);
    int ways = FlowTable.WAYS; // one bucket: the table holds this many flows
    for (int i = 0; i < ways + 1; i++) {
      h.out(udp(ME, 10000 + i, PEER, 53));
    }
    assertThat(f.evictions()).isEqualTo(1);
    assertThat(f.flows()).isEqualTo(ways);
    assertThat(h.in(udp(PEER, 53, ME, 10000))).as("the oldest was evicted").isFalse();
    for (int i = 1; i < ways + 1; i++) {
      assertThat(h.in(udp(PEER, 53, ME, 10000 + i))).as("flow %d kept", i).isTrue();
    }
  }

  @Test
  void shouldDropGarbageWithoutThrowing() throws Exception {
    FilterHarness h =
        new FilterHarness(
            filter(
                """
        [{"SrcIPs":["*"],"DstPorts":[{"IP":"*","Ports":{"First":0,"Last":65535}}]}]"""));
    java.util.Random random = new java.util.Random(17);
    for (int i = 0; i < 2000; i++) {
      byte[] p = new byte[random.nextInt(60)];
      random.nextBytes(p);
      h.in(p);
    }
    assertThat(h.pipeline.stats().hookFailures.sum()).isZero();
  }

  @Test
  void shouldNotAllocatePerPacket() throws Exception {
    PacketFilter f =
        filter(
            """
        [{"SrcIPs":["100.64.0.0/10","fd7a:115c:a1e0::/48"],
          "DstPorts":[{"IP":"100.64.0.1","Ports":{"First":22,"Last":22}},{"IP":"*","Ports":{"First":443,"Last":443}}]},
         {"SrcIPs":["100.64.0.2"],"DstPorts":[{"IP":"100.64.0.1","Ports":{"First":8000,"Last":9000}}],"IPProto":[17]}]""");
    FilterHarness h = new FilterHarness(f);
    byte[][] packets = {
      tcp(PEER, 5000, ME, 22, SYN), tcp(PEER, 5000, ME, 22, ACK), tcp(PEER, 5001, ME, 23, SYN),
      udp(PEER, 1, ME, 8500), echo(PEER, ME, false, 1), tcp(PEER6, 5000, ME6, 443, SYN),
      udp(OTHER, 1, ME, 1),
    };
    byte[] outbound = udp(ME, 7000, PEER, 53);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().threadId();
    int per = 20_000;
    double least = Double.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long before = threads.getThreadAllocatedBytes(id);
      for (int i = 0; i < per; i++) {
        for (byte[] p : packets) {
          h.in(p);
        }
        h.out(outbound);
      }
      long bytes = threads.getThreadAllocatedBytes(id) - before;
      least = Math.min(least, (double) bytes / (per * (packets.length + 1.0)));
    }
    assertThat(least).as("bytes allocated per packet (least of five rounds)").isLessThan(0.01);
  }
}
