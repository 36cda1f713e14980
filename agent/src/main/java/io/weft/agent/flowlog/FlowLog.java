package io.weft.agent.flowlog;

import io.weft.agent.netmap.NetMapBus;
import io.weft.agent.pipeline.Packet;
import io.weft.agent.pipeline.PacketHook;
import io.weft.agent.pipeline.PacketPipeline;
import io.weft.control.protocol.FlowRecord;
import io.weft.control.protocol.NetMap;
import io.weft.control.protocol.Node;
import io.weft.netstack.wire.IpProtocol;
import io.weft.wg.allowedips.Prefix;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Flow accounting on the {@link PacketPipeline} (issue 18): a hook in each direction counts every
 * packet into a {@link FlowTable} (nothing allocated per packet), and {@link #flush} — every few
 * seconds, off the data path — turns flows that ended (TCP RST or a FIN each way, or idle past a
 * timeout) into final records and long-lived ones into interim records, naming the nodes and users
 * on each side from the latest network map, and hands them to a {@link FlowSink}. No payload byte
 * is read beyond the headers the pipeline already parsed.
 */
public final class FlowLog implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(FlowLog.class.getName());

  /**
   * Tuning.
   *
   * @param maxFlows flows tracked at once (beyond it new flows are counted, not tracked)
   * @param interim a flow still open after this long since its last record gets an interim one
   * @param idle a UDP/ICMP flow (or an unclosed TCP one after {@code tcpIdle}) idle this long ends
   * @param linger a closed TCP flow is written once quiet this long (its last ACKs still count)
   */
  public record Config(
      int maxFlows, Duration interim, Duration idle, Duration tcpIdle, Duration linger) {
    public static Config defaults() {
      return new Config(
          65_536,
          Duration.ofSeconds(60),
          Duration.ofSeconds(30),
          Duration.ofMinutes(5),
          Duration.ofSeconds(2));
    }
  }

  private final Config config;
  private final LongSupplier clock;
  private final FlowSink sink;
  private final FlowTable table;
  private final PacketHook inboundHook =
      p -> {
        account(p, -2);
        return PacketHook.ACCEPT;
      };
  private final PacketHook outboundHook =
      p -> {
        account(p, -2);
        return PacketHook.ACCEPT;
      };
  private final List<AutoCloseable> attached = new ArrayList<>();
  private volatile Identities identities = new Identities(null, Map.of());

  /**
   * A flow log counting into a table of {@code config.maxFlows()}, timing with {@code clockMillis}
   * (epoch milliseconds), handing records to {@code sink}.
   */
  public FlowLog(Config config, LongSupplier clockMillis, FlowSink sink) {
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clockMillis, "clockMillis");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.table = new FlowTable(config.maxFlows());
  }

  /** Adds the hooks to {@code pipeline} (after its filter) and follows {@code netMaps}. */
  public FlowLog attach(PacketPipeline pipeline, NetMapBus netMaps) {
    synchronized (attached) {
      attached.add(pipeline.addHook(Packet.INBOUND, inboundHook));
      attached.add(pipeline.addHook(Packet.OUTBOUND, outboundHook));
      if (netMaps != null) {
        NetMapBus.Subscription s = netMaps.subscribe("flowlog", this::setNetMap);
        attached.add(s::close);
      }
    }
    return this;
  }

  /** The hook for one direction ({@link Packet#INBOUND} or {@link Packet#OUTBOUND}). */
  public PacketHook hook(int direction) {
    return direction == Packet.INBOUND ? inboundHook : outboundHook;
  }

  /**
   * For the packet filter: counts a packet it dropped ({@code rule} the rule that dropped it, or
   * -1), so the flow's records say "dropped". Hooks after the filter never see dropped packets.
   */
  public void dropped(Packet p, int rule) {
    account(p, Math.max(rule, -1));
  }

  private void account(Packet p, int droppedRule) {
    final long now = clock.getAsLong();
    synchronized (table) {
      table.account(p, now, droppedRule);
    }
  }

  /** Flows tracked now. */
  public int flows() {
    synchronized (table) {
      return table.size;
    }
  }

  /** Packets of new flows not tracked because the table was full. */
  public long overflowed() {
    synchronized (table) {
      return table.overflowed();
    }
  }

  /** Learns who is who from {@code map} (the self node and the peers' addresses). */
  public void setNetMap(NetMap map) {
    Map<InetAddress, Node> byAddress = new HashMap<>();
    for (Node n : map.peers().values()) {
      for (InetAddress a : n.hosts()) {
        byAddress.put(a, n);
      }
    }
    Node self = map.self();
    if (self != null) {
      for (InetAddress a : self.hosts()) {
        byAddress.put(a, self);
      }
    }
    identities = new Identities(self, Map.copyOf(byAddress));
  }

  /** Writes the records due now (ended flows, interim ones) to the sink; returns how many. */
  public int flush() throws IOException {
    return flush(false);
  }

  private int flush(boolean all) throws IOException {
    final long now = clock.getAsLong();
    final Identities ids = identities;
    final List<FlowRecord> out = new ArrayList<>();
    final long idle = config.idle().toMillis();
    final long tcpIdle = config.tcpIdle().toMillis();
    final long interim = config.interim().toMillis();
    final long linger = config.linger().toMillis();
    synchronized (table) {
      final FlowTable t = table;
      int i = 0;
      while (i < t.capacity) {
        if (!t.used[i]) {
          i++;
          continue;
        }
        final long quiet = now - t.last[i];
        String reason = null;
        boolean end = true;
        if (t.proto[i] == IpProtocol.TCP && t.closed(i) && (quiet >= linger || all)) {
          reason = (t.flags[i] & FlowTable.RST) != 0 ? "rst" : "fin";
        } else if (quiet >= (t.proto[i] == IpProtocol.TCP ? tcpIdle : idle)) {
          reason = "idle";
        } else if (all) {
          reason = "shutdown";
        } else if (now - t.reported[i] >= interim) {
          reason = "interim";
          end = false;
        }
        if (reason == null) {
          i++;
          continue;
        }
        out.add(record(t, i, ids, reason));
        if (end) {
          t.remove(i); // a later entry may have moved into i: look at i again
        } else {
          t.reported[i] = now;
          i++;
        }
      }
    }
    if (!out.isEmpty()) {
      sink.accept(out);
    }
    return out.size();
  }

  private static FlowRecord record(FlowTable t, int i, Identities ids, String reason) {
    final InetAddress a = address(t.version[i], t.aHi[i], t.aLo[i]);
    final InetAddress b = address(t.version[i], t.bHi[i], t.bLo[i]);
    final Node an = ids.byAddress().get(a);
    final Node bn = ids.byAddress().get(b);
    final Node self = ids.self();
    return new FlowRecord(
        self == null ? 0 : self.id(),
        0,
        t.proto[i],
        Prefix.addressText(a.getAddress()),
        t.aPort[i],
        Prefix.addressText(b.getAddress()),
        t.bPort[i],
        an == null ? 0 : an.id(),
        an == null ? null : an.nodeKey(),
        an == null ? null : an.user(),
        bn == null ? 0 : bn.id(),
        bn == null ? null : bn.nodeKey(),
        bn == null ? null : bn.user(),
        t.first[i],
        t.last[i],
        t.fwdPackets[i],
        t.fwdBytes[i],
        t.revPackets[i],
        t.revBytes[i],
        (t.flags[i] & FlowTable.DROPPED) != 0 ? "dropped" : "accepted",
        t.rule[i],
        reason);
  }

  private static InetAddress address(int version, long hi, long lo) {
    byte[] b;
    if (version == 4) {
      b = new byte[] {(byte) (lo >>> 24), (byte) (lo >>> 16), (byte) (lo >>> 8), (byte) lo};
    } else {
      b = new byte[16];
      for (int k = 0; k < 8; k++) {
        b[k] = (byte) (hi >>> (56 - 8 * k));
        b[8 + k] = (byte) (lo >>> (56 - 8 * k));
      }
    }
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // 4 or 16 bytes: cannot happen
    }
  }

  /**
   * Removes the hooks and writes every flow still open as a final record ("shutdown"): a clean stop
   * loses nothing.
   */
  @Override
  public void close() throws IOException {
    synchronized (attached) {
      for (AutoCloseable c : attached) {
        try {
          c.close();
        } catch (Exception e) {
          LOG.log(Level.DEBUG, "detaching the flow log: {0}", e.toString());
        }
      }
      attached.clear();
    }
    flush(true);
  }

  private record Identities(Node self, Map<InetAddress, Node> byAddress) {}
}
