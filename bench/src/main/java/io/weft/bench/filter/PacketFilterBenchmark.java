package io.weft.bench.filter;

import io.weft.agent.filter.PacketFilter;
import io.weft.agent.pipeline.PacketPipeline;
import io.weft.control.protocol.FilterRule;
import io.weft.wg.tun.Tun;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the inbound packet filter ({@code agent.filter.PacketFilter}) costs per packet in the
 * pipeline: a 64-packet batch of TCP/IPv4 written through a {@link PacketPipeline} whose filter
 * stage holds {@code rules} rules, each with a /32 source and two port ranges. {@code none}: the
 * pipeline without a filter (the baseline); {@code flow}: segments of an established connection
 * (flow-table hits; the connections were opened by SYNs that only the last rule admits); {@code
 * denied}: SYNs to a closed port, every rule scanned and the packet dropped. Reported per packet.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PacketFilterBenchmark {
  static final int BATCH = 64;
  static final int OFFSET = 16;

  @Param({"none", "flow", "denied"})
  public String traffic;

  @Param({"10", "100"})
  public int rules;

  private PacketPipeline pipeline;
  private final ByteBuffer[] bufs = new ByteBuffer[BATCH];

  static final class SinkTun implements Tun {
    long seen;

    @Override
    public int read(ByteBuffer[] bufs, int[] sizes, int offset) {
      return 0;
    }

    @Override
    public int write(ByteBuffer[] bufs, int count, int offset) {
      for (int i = 0; i < count; i++) {
        seen += bufs[i].get(offset);
      }
      return count;
    }

    @Override
    public int batchSize() {
      return BATCH;
    }

    @Override
    public int mtu() {
      return 1280;
    }

    @Override
    public String name() {
      return "sink";
    }

    @Override
    public void close() {}
  }

  static ByteBuffer tcp(int src, int sport, int dst, int dport, int flags) {
    ByteBuffer b = ByteBuffer.allocate(2048);
    b.position(OFFSET);
    b.put((byte) 0x45)
        .put((byte) 0)
        .putShort((short) 40)
        .putInt(0)
        .put((byte) 64)
        .put((byte) 6)
        .putShort((short) 0)
        .putInt(src)
        .putInt(dst);
    b.putShort((short) sport)
        .putShort((short) dport)
        .putInt(1)
        .putInt(0)
        .put((byte) 0x50)
        .put((byte) flags)
        .putShort((short) 65535)
        .putInt(0);
    b.position(0).limit(OFFSET + 40);
    return b;
  }

  @Setup
  public void setUp() throws Exception {
    final int me = 0x64400001; // 100.64.0.1
    final int peer = 0x64400002;
    List<FilterRule> list = new ArrayList<>();
    for (int i = 0; i < rules; i++) {
      String src = i == rules - 1 ? "100.64.0.2" : "100.65." + (i / 250) + "." + (i % 250 + 1);
      list.add(
          new FilterRule(
              List.of(src),
              List.of(
                  new FilterRule.NetPortRange("100.64.0.1", new FilterRule.PortRange(22, 22)),
                  new FilterRule.NetPortRange(
                      "100.64.0.0/24", new FilterRule.PortRange(8000, 8100))),
              null));
    }
    pipeline = new PacketPipeline(new SinkTun());
    if (!traffic.equals("none")) {
      PacketFilter filter = new PacketFilter();
      filter.update(list);
      pipeline.setFilter(filter.inbound(), filter.outbound());
    }
    for (int i = 0; i < BATCH; i++) {
      bufs[i] =
          switch (traffic) {
            case "denied" -> tcp(peer, 40000 + i, me, 23, 0x02);
            default -> tcp(peer, 40000 + i, me, 22, i == 0 ? 0x02 : 0x10);
          };
    }
    if (traffic.equals("flow")) {
      // Open the 64 connections: each SYN admitted by the last rule, then ACKs are flow hits.
      ByteBuffer[] syns = new ByteBuffer[BATCH];
      for (int i = 0; i < BATCH; i++) {
        syns[i] = tcp(peer, 40000 + i, me, 22, 0x02);
      }
      pipeline.write(syns, BATCH, OFFSET);
      for (int i = 0; i < BATCH; i++) {
        bufs[i] = tcp(peer, 40000 + i, me, 22, 0x10);
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int inbound() throws Exception {
    return pipeline.write(bufs, BATCH, OFFSET);
  }
}
