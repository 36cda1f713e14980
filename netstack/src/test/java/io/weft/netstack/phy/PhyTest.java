package io.weft.netstack.phy;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.netstack.phy.FaultInjector.Faults;
import io.weft.netstack.wire.Fixtures;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class PhyTest {
  private long now;

  @Test
  void shouldWriteClassicPcapWithRawLinkType() throws Exception {
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    List<Integer> forwarded = new ArrayList<>();
    now = 1_700_000_000_123_456_789L;
    try (PcapWriter pcap = new PcapWriter(file, () -> now, (b, off, len) -> forwarded.add(len))) {
      ByteBuffer syn = Fixtures.buffer(Fixtures.TCP4_SYN);
      pcap.send(syn, 0, syn.capacity());
    }
    byte[] bytes = file.toByteArray();
    // Global header as libpcap writes it on a little-endian machine (pcap-savefile(5)).
    assertThat(HexFormat.of().formatHex(bytes, 0, 24))
        .isEqualTo("d4c3b2a1020004000000000000000000ffff000065000000");
    ByteBuffer record = ByteBuffer.wrap(bytes, 24, 16).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(record.getInt(24)).isEqualTo(1_700_000_000);
    assertThat(record.getInt(28)).isEqualTo(123_456);
    assertThat(record.getInt(32)).isEqualTo(60);
    assertThat(record.getInt(36)).isEqualTo(60);
    assertThat(HexFormat.of().formatHex(bytes, 40, 100)).isEqualTo(Fixtures.TCP4_SYN);
    assertThat(forwarded).containsExactly(60);
  }

  @Test
  void shouldDelayLoseAndDuplicateDeterministically() {
    List<String> first = run(42);
    List<String> second = run(42);
    assertThat(first).isEqualTo(second);
    assertThat(run(43)).isNotEqualTo(first);
  }

  private List<String> run(long seed) {
    now = 0;
    FaultInjector link =
        new FaultInjector(new Faults(0.2, 0.1, 0.3, 1000, 5000, 0), seed, () -> now, 100);
    List<String> delivered = new ArrayList<>();
    ByteBuffer p = ByteBuffer.allocate(1);
    for (int i = 0; i < 200; i++) {
      p.put(0, (byte) i);
      link.send(p, 0, 1);
      now += 100;
      link.deliver(now, (b, off, len) -> delivered.add(now + ":" + b.get(off)));
    }
    now += 10_000;
    link.deliver(now, (b, off, len) -> delivered.add(now + ":" + b.get(off)));
    assertThat(link.lost()).isBetween(20L, 60L);
    assertThat(link.duplicated()).isPositive();
    assertThat(link.reordered()).isPositive();
    return delivered;
  }

  @Test
  void shouldHoldPacketsUntilTheirDelayHasPassed() {
    now = 0;
    FaultInjector link = new FaultInjector(Faults.none(1000), 1, () -> now, 100);
    link.send(ByteBuffer.allocate(10), 0, 10);
    assertThat(link.nextDelivery()).isEqualTo(1000);
    List<Integer> got = new ArrayList<>();
    assertThat(link.deliver(999, (b, off, len) -> got.add(len))).isZero();
    assertThat(link.deliver(1000, (b, off, len) -> got.add(len))).isEqualTo(1);
    assertThat(link.nextDelivery()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void shouldSerializeAtTheConfiguredBandwidth() {
    now = 0;
    FaultInjector link =
        new FaultInjector(new Faults(0, 0, 0, 0, 0, 1_000_000), 1, () -> now, 2000);
    link.send(ByteBuffer.allocate(1000), 0, 1000);
    link.send(ByteBuffer.allocate(1000), 0, 1000);
    List<Long> times = new ArrayList<>();
    while (link.nextDelivery() != Long.MAX_VALUE) {
      now = link.nextDelivery();
      link.deliver(now, (b, off, len) -> times.add(now));
    }
    assertThat(times).containsExactly(1_000_000L, 2_000_000L);
  }

  @Test
  void shouldDropWhenALoopbackQueueIsFull() {
    LoopbackPair pair = new LoopbackPair(2, 100);
    ByteBuffer p = ByteBuffer.allocate(10);
    for (int i = 0; i < 3; i++) {
      pair.towardsB().send(p, 0, 10);
    }
    assertThat(pair.towardsB().size()).isEqualTo(2);
    assertThat(pair.towardsB().dropped()).isEqualTo(1);
    assertThat(pair.towardsB().poll(ByteBuffer.allocate(100))).isEqualTo(10);
    assertThat(pair.towardsA().poll(ByteBuffer.allocate(100))).isEqualTo(-1);
  }
}
