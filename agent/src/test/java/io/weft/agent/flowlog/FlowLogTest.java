package io.weft.agent.flowlog;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.agent.pipeline.PacketPipeline;
import io.weft.control.protocol.FlowRecord;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.NetMap;
import io.weft.control.protocol.Node;
import io.weft.wg.tun.Tun;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Flow accounting on the pipeline: a TCP flow is counted both ways and ended by its FINs or an RST,
 * UDP by idleness, long flows get interim records with cumulative counters, the nodes on each side
 * come from the map, a full table counts rather than grows, the table agrees with a model under
 * random inserts and removals, and nothing is allocated per packet.
 */
class FlowLogTest {
  static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  static final InetAddress A = InetAddress.ofLiteral("100.64.0.1");
  static final InetAddress B = InetAddress.ofLiteral("100.64.0.2");
  static final int OFFSET = 16;
  static final int SYN = 0x02;
  static final int ACK = 0x10;
  static final int FIN = 0x01;
  static final int RST = 0x04;

  /** A TUN whose reads return the queued packets, one per read, and whose writes vanish. */
  static final class ScriptTun implements Tun {
    final ArrayDeque<byte[]> fromOs = new ArrayDeque<>();

    @Override
    public int read(ByteBuffer[] bufs, int[] sizes, int offset) {
      byte[] p = fromOs.poll();
      bufs[0].put(offset, p);
      sizes[0] = p.length;
      return 1;
    }

    @Override
    public int write(ByteBuffer[] bufs, int count, int offset) {
      return count;
    }

    @Override
    public int batchSize() {
      return 1;
    }

    @Override
    public int mtu() {
      return 1280;
    }

    @Override
    public String name() {
      return "script";
    }

    @Override
    public boolean wakeup() {
      return true;
    }

    @Override
    public void close() {}
  }

  final AtomicLong now = new AtomicLong(1_000_000);
  final List<FlowRecord> records = new ArrayList<>();
  final ScriptTun tun = new ScriptTun();
  final PacketPipeline pipeline = new PacketPipeline(tun);
  final ByteBuffer[] readBufs = {ByteBuffer.allocate(2048)};
  final int[] sizes = new int[1];

  FlowLog log(int maxFlows) {
    FlowLog.Config c =
        new FlowLog.Config(
            maxFlows,
            Duration.ofSeconds(60),
            Duration.ofSeconds(30),
            Duration.ofMinutes(5),
            Duration.ZERO);
    FlowLog f = new FlowLog(c, now::get, records::addAll);
    f.attach(pipeline, null);
    return f;
  }

  static byte[] tcp(
      InetAddress src, int sport, InetAddress dst, int dport, int flags, int payload) {
    int len = 40 + payload;
    ByteBuffer p = ByteBuffer.allocate(len);
    p.put((byte) 0x45)
        .put((byte) 0)
        .putShort((short) len)
        .putInt(0)
        .put((byte) 64)
        .put((byte) 6)
        .putShort((short) 0);
    p.put(src.getAddress()).put(dst.getAddress());
    p.putShort((short) sport)
        .putShort((short) dport)
        .putInt(1)
        .putInt(1)
        .put((byte) 0x50)
        .put((byte) flags)
        .putShort((short) 65535)
        .putInt(0);
    return p.array();
  }

  static byte[] udp(InetAddress src, int sport, InetAddress dst, int dport) {
    ByteBuffer p = ByteBuffer.allocate(29);
    p.put((byte) 0x45)
        .put((byte) 0)
        .putShort((short) 29)
        .putInt(0)
        .put((byte) 64)
        .put((byte) 17)
        .putShort((short) 0);
    p.put(src.getAddress())
        .put(dst.getAddress())
        .putShort((short) sport)
        .putShort((short) dport)
        .putShort((short) 9)
        .putShort((short) 0)
        .put((byte) 1);
    return p.array();
  }

  void out(byte[] p) throws Exception {
    tun.fromOs.add(p);
    pipeline.read(readBufs, sizes, OFFSET);
  }

  void in(byte[] p) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(OFFSET + p.length);
    b.put(OFFSET, p).limit(OFFSET + p.length);
    pipeline.write(new ByteBuffer[] {b}, 1, OFFSET);
  }

  static Node node(long id, String name, String user, InetAddress a) {
    return new Node(
        id,
        name,
        name,
        user,
        "nodekey:" + name,
        null,
        null,
        List.of(a.getHostAddress() + "/32"),
        List.of(),
        true,
        0,
        0,
        false,
        true,
        List.of());
  }

  @Test
  void shouldCountATcpFlowBothWaysAndEndItAtTheSecondFin() throws Exception {
    FlowLog f = log(16);
    f.setNetMap(map());
    out(tcp(A, 40000, B, 80, SYN, 0));
    now.addAndGet(5);
    in(tcp(B, 80, A, 40000, SYN | ACK, 0));
    out(tcp(A, 40000, B, 80, ACK, 100));
    in(tcp(B, 80, A, 40000, ACK, 1000));
    in(tcp(B, 80, A, 40000, FIN | ACK, 0));
    assertThat(f.flush()).as("one FIN is not the end").isZero();
    now.addAndGet(10);
    out(tcp(A, 40000, B, 80, FIN | ACK, 0));
    assertThat(f.flush()).isEqualTo(1);
    FlowRecord r = records.getFirst();
    assertThat(r.proto()).isEqualTo(6);
    assertThat(r.src()).isEqualTo("100.64.0.1");
    assertThat(r.sport()).isEqualTo(40000);
    assertThat(r.dst()).isEqualTo("100.64.0.2");
    assertThat(r.dport()).isEqualTo(80);
    assertThat(r.node()).isEqualTo(1);
    assertThat(r.srcNode()).isEqualTo(1);
    assertThat(r.srcUser()).isEqualTo("alice");
    assertThat(r.dstNode()).isEqualTo(2);
    assertThat(r.dstKey()).isEqualTo("nodekey:bravo");
    assertThat(r.dstUser()).isEqualTo("bob");
    assertThat(r.fwdPackets()).isEqualTo(3);
    assertThat(r.fwdBytes()).isEqualTo(40 + 140 + 40);
    assertThat(r.revPackets()).isEqualTo(3);
    assertThat(r.revBytes()).isEqualTo(40 + 1040 + 40);
    assertThat(r.start()).isEqualTo(1_000_000);
    assertThat(r.end()).isEqualTo(1_000_015);
    assertThat(r.reason()).isEqualTo("fin");
    assertThat(r.verdict()).isEqualTo("accepted");
    assertThat(r.rule()).isEqualTo(-1);
    assertThat(r.toJson()).doesNotContain("payload");
    assertThat(f.flows()).isZero();
  }

  @Test
  void shouldOrientAFlowThePeerStartedFromThePeerAndEndItAtAnRst() throws Exception {
    FlowLog f = log(16);
    in(tcp(B, 5555, A, 22, SYN, 0));
    out(tcp(A, 22, B, 5555, RST | ACK, 0));
    assertThat(f.flush()).isEqualTo(1);
    FlowLog lingering =
        new FlowLog(
            new FlowLog.Config(
                16,
                Duration.ofSeconds(60),
                Duration.ofSeconds(30),
                Duration.ofMinutes(5),
                Duration.ofSeconds(2)),
            now::get,
            records::addAll);
    PacketPipeline other = new PacketPipeline(tun);
    lingering.attach(other, null);
    ByteBuffer b = ByteBuffer.allocate(OFFSET + 40);
    b.put(OFFSET, tcp(B, 5556, A, 22, RST, 0)).limit(OFFSET + 40);
    other.write(new ByteBuffer[] {b}, 1, OFFSET);
    now.addAndGet(1_999);
    assertThat(lingering.flush()).as("a closed flow lingers").isZero();
    now.addAndGet(1);
    assertThat(lingering.flush()).isEqualTo(1);
    FlowRecord r = records.getFirst();
    assertThat(r.src()).isEqualTo("100.64.0.2");
    assertThat(r.dport()).isEqualTo(22);
    assertThat(r.fwdPackets()).isEqualTo(1);
    assertThat(r.revPackets()).isEqualTo(1);
    assertThat(r.reason()).isEqualTo("rst");
    assertThat(r.srcNode()).as("no map: unknown").isZero();
  }

  @Test
  void shouldEndUdpWhenIdleAndWriteCumulativeInterimRecordsForLongFlows() throws Exception {
    FlowLog f = log(16);
    for (int s = 0; s < 130; s++) { // a packet each second for 130 s
      out(udp(A, 1000, B, 53));
      in(udp(B, 53, A, 1000));
      f.flush();
      now.addAndGet(1000);
    }
    assertThat(records).extracting(FlowRecord::reason).containsExactly("interim", "interim");
    assertThat(records.get(0).fwdPackets()).isEqualTo(61);
    assertThat(records.get(1).fwdPackets()).isEqualTo(121);
    now.addAndGet(28_000);
    assertThat(f.flush()).as("not idle yet").isZero();
    now.addAndGet(1_000);
    assertThat(f.flush()).isEqualTo(1);
    FlowRecord last = records.getLast();
    assertThat(last.reason()).isEqualTo("idle");
    assertThat(last.fwdPackets()).isEqualTo(130);
    assertThat(last.revPackets()).isEqualTo(130);
    assertThat(last.end() - last.start()).isEqualTo(129_000);
  }

  @Test
  void shouldMarkDroppedFlowsWithTheFilterRuleAndFlushOpenFlowsOnClose() throws Exception {
    FlowLog f = log(16);
    pipeline.setFilter(
        p -> {
          if (p.destinationPort() == 23) {
            f.dropped(p, 7);
            return 1;
          }
          return 0;
        },
        null);
    in(udp(B, 999, A, 23));
    out(udp(A, 1, B, 2));
    f.close();
    assertThat(records).hasSize(2);
    FlowRecord dropped = records.stream().filter(r -> r.dport() == 23).findFirst().orElseThrow();
    assertThat(dropped.verdict()).isEqualTo("dropped");
    assertThat(dropped.rule()).isEqualTo(7);
    assertThat(records).extracting(FlowRecord::reason).containsOnly("shutdown");
  }

  @Test
  void shouldCountNewFlowsBeyondTheBoundInsteadOfTrackingThem() throws Exception {
    FlowLog f = log(4);
    for (int i = 0; i < 10; i++) {
      out(udp(A, 1000 + i, B, 53));
    }
    assertThat(f.flows()).isEqualTo(4);
    assertThat(f.overflowed()).isEqualTo(6);
  }

  @Test
  void tableShouldAgreeWithAModelUnderRandomFlowsAndRemovals() throws Exception {
    long seed = System.nanoTime();
    Random rnd = new Random(seed);
    FlowLog f = log(64);
    Map<Integer, Long> model = new HashMap<>(); // sport -> packets
    try {
      for (int step = 0; step < 20_000; step++) {
        int port = 1 + rnd.nextInt(90);
        if (model.size() < 64 || model.containsKey(port)) {
          out(udp(A, port, B, 53));
          model.merge(port, 1L, Long::sum);
        }
        if (rnd.nextInt(50) == 0) { // let a random third go idle and be flushed
          now.addAndGet(31_000);
          for (int k = 0; k < 40; k++) {
            int keep = 1 + rnd.nextInt(90);
            if (model.containsKey(keep)) {
              out(udp(A, keep, B, 53));
              model.merge(keep, 1L, Long::sum);
            }
          }
          records.clear();
          f.flush();
          for (FlowRecord r : records) {
            Long expected =
                r.reason().equals("idle") ? model.remove(r.sport()) : model.get(r.sport());
            assertThat(r.fwdPackets())
                .as("seed %d: flushed flow %d (%s)", seed, r.sport(), r.reason())
                .isEqualTo(expected);
          }
          assertThat(f.flows()).as("seed %d", seed).isEqualTo(model.size());
        }
      }
      records.clear();
      f.close();
      Map<Integer, Long> seen = new HashMap<>();
      for (FlowRecord r : records) {
        seen.put(r.sport(), r.fwdPackets());
      }
      assertThat(seen).as("seed %d", seed).isEqualTo(model);
    } catch (AssertionError e) {
      throw new AssertionError("seed " + seed, e);
    }
  }

  @Test
  void shouldNotAllocatePerPacket() throws Exception {
    FlowLog.Config c =
        new FlowLog.Config(
            4096,
            Duration.ofSeconds(60),
            Duration.ofSeconds(30),
            Duration.ofMinutes(5),
            Duration.ZERO);
    FlowLog f = new FlowLog(c, now::get, records::addAll);
    int n = 64;
    byte[][] outs = new byte[n][];
    ByteBuffer[] inBufs = new ByteBuffer[n];
    for (int i = 0; i < n; i++) {
      outs[i] = i % 2 == 0 ? tcp(A, 30000 + i, B, 443, ACK, 200) : udp(A, 30000 + i, B, 53);
      byte[] back = i % 2 == 0 ? tcp(B, 443, A, 30000 + i, ACK, 1000) : udp(B, 53, A, 30000 + i);
      inBufs[i] = ByteBuffer.allocate(OFFSET + back.length);
      inBufs[i].put(OFFSET, back).limit(OFFSET + back.length);
    }
    ByteBuffer[] readBufs = new ByteBuffer[n];
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) {
      readBufs[i] = ByteBuffer.allocate(2048);
      readBufs[i].put(OFFSET, outs[i]);
      lengths[i] = outs[i].length;
    }
    Tun batch =
        new Tun() {
          @Override
          public int read(ByteBuffer[] bufs, int[] s, int offset) {
            System.arraycopy(lengths, 0, s, 0, bufs.length);
            return bufs.length;
          }

          @Override
          public int write(ByteBuffer[] bufs, int count, int offset) {
            return count;
          }

          @Override
          public int batchSize() {
            return n;
          }

          @Override
          public int mtu() {
            return 1280;
          }

          @Override
          public String name() {
            return "batch";
          }

          @Override
          public boolean wakeup() {
            return true;
          }

          @Override
          public void close() {}
        };
    PacketPipeline p = new PacketPipeline(batch);
    f.attach(p, null);
    int[] s = new int[n];
    for (int i = 0; i < 20_000; i++) {
      p.write(inBufs, n, OFFSET);
      p.read(readBufs, s, OFFSET);
    }
    // Least of up to five rounds: a JIT compilation in one round allocates there, a real
    // per-packet allocation in every round.
    long id = Thread.currentThread().threadId();
    double least = Double.MAX_VALUE;
    for (int round = 0; round < 5 && least > 0; round++) {
      long before = THREADS.getThreadAllocatedBytes(id);
      for (int i = 0; i < 20_000; i++) {
        p.write(inBufs, n, OFFSET);
        p.read(readBufs, s, OFFSET);
      }
      least =
          Math.min(least, (double) (THREADS.getThreadAllocatedBytes(id) - before) / (40_000.0 * n));
    }
    assertThat(f.flows()).isEqualTo(n);
    assertThat(least)
        .as("bytes allocated per packet (least of five rounds of 2.56M)")
        .isLessThan(0.001);
  }

  NetMap map() {
    Node self = node(1, "alpha", "alice", A);
    Node peer = node(2, "bravo", "bob", B);
    NetMap m = new NetMap();
    m.apply(new Message.FullMap(1, "e", 1, "mesh", self, List.of(peer)));
    return m;
  }
}
