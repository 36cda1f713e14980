package io.weft.magicsock;

import io.weft.derp.NodeKey;
import io.weft.derp.client.DerpClient;
import io.weft.derp.client.RegionClient;
import io.weft.derp.stun.Stun;
import io.weft.derp.wire.NaclBox;
import io.weft.magicsock.disco.DiscoCounters;
import io.weft.magicsock.disco.DiscoMessage;
import io.weft.magicsock.disco.DiscoPacket;
import io.weft.magicsock.stun.StunClient;
import io.weft.wg.conn.Bind;
import io.weft.wg.conn.BindFactory;
import io.weft.wg.conn.Binds;
import io.weft.wg.conn.Endpoint;
import io.weft.wg.conn.PeerPaths;
import io.weft.wg.conn.RelayMap;
import io.weft.wg.conn.UdpEndpoint;
import io.weft.wg.key.NoisePublicKey;
import io.weft.wg.time.NanoClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The mesh {@link Bind}: one UDP socket (wg-core's plain bind, inside) carrying WireGuard, disco
 * and STUN, told apart by header, plus the home relay (a {@link RegionClient}) as a second {@link
 * Bind.Receiver}. Peers are named by node key ({@link PeerEndpoint}); a packet to a peer goes to
 * its best direct address while a pong has confirmed it within {@link Options#trustDuration}, and
 * otherwise over the relay and, if a direct address was ever confirmed, to it as well (Tailscale's
 * {@code addrForSendLocked}). Disco pings go to every candidate when the peer is set, when sending
 * finds no trusted path, and from {@link #tick}.
 *
 * <p>Time comes from the injected {@link NanoClock}; {@link #tick} does the periodic work and is
 * called by a background thread only when {@link Options#tickInterval} is non-null.
 */
public final class MagicBind implements Bind {
  /** Where a relay-delivered disco packet claims to come from (Tailscale's magic address). */
  static final byte[] DERP_MAGIC_IP = {127, 3, 3, 40};

  /** How often a trusted path in use is pinged to keep it trusted (Tailscale's heartbeat). */
  public static final Duration HEARTBEAT = Duration.ofSeconds(3);

  /** How long after the last send a peer counts as active (heartbeats stop after it). */
  public static final Duration SESSION_ACTIVE = Duration.ofSeconds(45);

  /** Tunables; {@link #defaults()} are Tailscale's. */
  public record Options(
      NanoClock clock,
      Duration trustDuration,
      Duration pingInterval,
      Duration tickInterval,
      Function<RelayMap.Relay, URI> relayUri,
      Supplier<Bind> udp,
      DerpClient.Options derpOptions,
      boolean interfaceEndpoints) {
    /** Trust 6.5 s, re-ping every 5 s, tick every second, HTTPS relays, the platform UDP bind. */
    public static Options defaults() {
      return new Options(
          NanoClock.SYSTEM,
          Duration.ofMillis(6500),
          Duration.ofSeconds(5),
          Duration.ofSeconds(1),
          r -> URI.create("https://" + r.hostName() + ":" + r.relayPort() + "/derp"),
          Binds::defaultBind,
          DerpClient.Options.defaults(),
          true);
    }

    public Options withClock(NanoClock c) {
      return new Options(
          c,
          trustDuration,
          pingInterval,
          tickInterval,
          relayUri,
          udp,
          derpOptions,
          interfaceEndpoints);
    }

    /** Null: no background ticker (tests call {@link MagicBind#tick}). */
    public Options withTickInterval(Duration d) {
      return new Options(
          clock, trustDuration, pingInterval, d, relayUri, udp, derpOptions, interfaceEndpoints);
    }

    public Options withRelayUri(Function<RelayMap.Relay, URI> f) {
      return new Options(
          clock,
          trustDuration,
          pingInterval,
          tickInterval,
          f,
          udp,
          derpOptions,
          interfaceEndpoints);
    }

    /** Whether interface addresses are advertised (call-me-maybe, the listener). */
    public Options withInterfaceEndpoints(boolean on) {
      return new Options(
          clock, trustDuration, pingInterval, tickInterval, relayUri, udp, derpOptions, on);
    }

    public Options withUdp(Supplier<Bind> s) {
      return new Options(
          clock,
          trustDuration,
          pingInterval,
          tickInterval,
          relayUri,
          s,
          derpOptions,
          interfaceEndpoints);
    }
  }

  /** Counters, for tests and status. */
  public static final class Stats {
    public final LongAdder sentUdp = new LongAdder();
    public final LongAdder sentRelay = new LongAdder();
    public final LongAdder receivedUdp = new LongAdder();
    public final LongAdder receivedRelay = new LongAdder();
    public final LongAdder discoPingsSent = new LongAdder();
    public final LongAdder discoPongsReceived = new LongAdder();
    public final LongAdder callMeMaybeReceived = new LongAdder();
    public final LongAdder stunResponses = new LongAdder();

    /** Relay packets dropped because the relay receive queue was full, or no relay was up. */
    public final LongAdder relayDropped = new LongAdder();

    public final DiscoCounters disco = new DiscoCounters();
  }

  /** A {@link BindFactory} building magic binds with {@code options}. */
  public static BindFactory factory(Options options) {
    return (keys, relays, listener) -> new MagicBind(keys, relays, listener, options);
  }

  private record RelayPacket(NodeKey src, byte[] data) {}

  private record PendingPing(PeerEndpoint peer, InetSocketAddress to, long sentNanos) {}

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final RelayPacket CLOSED = new RelayPacket(null, null);

  private final BindFactory.NodeKeys keys;
  private final RelayMap relays;
  private final BindFactory.EndpointListener listener;
  private final Options options;
  private final NanoClock clock;
  private final Bind udp;
  private final Stats stats = new Stats();
  private final NodeKey self;
  private final ConcurrentHashMap<NodeKey, PeerEndpoint> peers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<InetSocketAddress, PeerEndpoint> byAddr =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, PeerEndpoint> byDisco = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, PendingPing> pendingPings = new ConcurrentHashMap<>();
  private final ArrayBlockingQueue<RelayPacket> relayQueue = new ArrayBlockingQueue<>(1024);
  private final StunClient stun;
  private final DiscoPacket discoReader = new DiscoPacket();
  private volatile RegionClient home;

  /** One client per region in use: the home one, and peers' home regions when they differ. */
  private final ConcurrentHashMap<Integer, RegionClient> regionClients = new ConcurrentHashMap<>();

  private volatile int homeRegion;
  private volatile boolean closed;
  private volatile List<InetSocketAddress> localEndpoints = List.of();
  private int boundPort;
  private InetSocketAddress stunMapped;
  private Thread ticker;

  MagicBind(
      BindFactory.NodeKeys keys,
      RelayMap relays,
      BindFactory.EndpointListener listener,
      Options options) {
    this.keys = keys;
    this.relays = relays;
    this.listener = listener;
    this.options = options;
    this.clock = options.clock();
    this.udp = options.udp().get();
    this.self = NodeKey.of(keys.nodePublic());
    this.stun =
        new StunClient(
            (d, to) -> udp.send(new ByteBuffer[] {ByteBuffer.wrap(d)}, 1, new UdpEndpoint(to)));
  }

  public Stats stats() {
    return stats;
  }

  /** The relay region this bind is connected through, 0 for none. */
  public int homeRegion() {
    return homeRegion;
  }

  /** The peer's trusted direct address now, or null when its traffic goes over the relay. */
  public InetSocketAddress directPath(NoisePublicKey peer) {
    PeerEndpoint p = peers.get(NodeKey.of(peer));
    return p == null ? null : p.trustedAddr(clock.nanoTime());
  }

  /** The bound UDP port, 0 before {@link #open}. */
  public synchronized int port() {
    return boundPort;
  }

  /** The addresses this bind reports for itself (interfaces and STUN). */
  public List<InetSocketAddress> localEndpoints() {
    return localEndpoints;
  }

  // ---- Bind ----------------------------------------------------------------------------

  @Override
  public synchronized int open(int port) throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    int bound = udp.open(port);
    if (home == null && !relays.regions().isEmpty()) {
      RelayMap.Region r = relays.regions().getFirst();
      home = region(r.id());
      homeRegion = home == null ? 0 : r.id();
    }
    updateLocalEndpoints(bound, null);
    if (ticker == null && options.tickInterval() != null) {
      long every = options.tickInterval().toNanos();
      ticker =
          Thread.ofVirtual()
              .name("magicsock-tick")
              .start(
                  () -> {
                    while (!closed) {
                      java.util.concurrent.locks.LockSupport.parkNanos(every);
                      tick();
                    }
                  });
    }
    return bound;
  }

  /** The UDP receiver, then the relay receiver. */
  @Override
  public List<Receiver> receivers() {
    return List.of(this::receive, this::receiveRelay);
  }

  /**
   * The UDP source: WireGuard datagrams only; disco and STUN datagrams are handled here and never
   * reach the device.
   */
  @Override
  public int receive(ByteBuffer[] bufs, int[] sizes, Endpoint[] sources) throws IOException {
    while (true) {
      int n = udp.receive(bufs, sizes, sources);
      int kept = 0;
      for (int i = 0; i < n; i++) {
        if (demux(bufs[i], sizes[i], sources[i])) {
          if (kept != i) {
            copyDatagram(bufs[i], sizes[i], bufs[kept]);
            sizes[kept] = sizes[i];
          }
          InetSocketAddress from = sources[i].destination();
          PeerEndpoint p = from == null ? null : byAddr.get(from);
          sources[kept] = p != null ? p : sources[i];
          kept++;
        }
      }
      for (int i = kept; i < n; i++) {
        sources[i] = null;
      }
      if (kept > 0) {
        stats.receivedUdp.add(kept);
        return kept;
      }
    }
  }

  private int receiveRelay(ByteBuffer[] bufs, int[] sizes, Endpoint[] sources) throws IOException {
    RelayPacket p;
    try {
      do {
        if (closed) {
          throw new ClosedChannelException();
        }
        p = relayQueue.poll(200, TimeUnit.MILLISECONDS);
      } while (p == null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClosedChannelException();
    }
    if (p == CLOSED) {
      relayQueue.offer(CLOSED);
      throw new ClosedChannelException();
    }
    ByteBuffer b = bufs[0];
    b.put(0, p.data(), 0, p.data().length);
    sizes[0] = p.data().length;
    // an unknown sender gets an endpoint that is not registered, so strangers on the relay cannot
    // grow the peer table; its identity is still the node key
    PeerEndpoint from = peers.get(p.src());
    sources[0] = from != null ? from : new PeerEndpoint(p.src());
    stats.receivedRelay.increment();
    return 1;
  }

  @Override
  public void send(ByteBuffer[] bufs, int count, Endpoint destination) throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    if (!(destination instanceof PeerEndpoint p)) {
      udp.send(bufs, count, destination);
      stats.sentUdp.add(count);
      return;
    }
    long now = clock.nanoTime();
    p.noteSend(now);
    InetSocketAddress direct = p.trustedAddr(now);
    if (direct != null) {
      udp.send(bufs, count, new UdpEndpoint(direct));
      stats.sentUdp.add(count);
      return;
    }
    // No trusted path: the relay, and the last confirmed address as well, while we probe.
    InetSocketAddress stale = p.bestAddr();
    for (int i = 0; i < count; i++) {
      ByteBuffer b = bufs[i];
      byte[] data = new byte[b.remaining()];
      b.get(b.position(), data);
      if (stale != null) {
        udp.send(new ByteBuffer[] {ByteBuffer.wrap(data)}, 1, new UdpEndpoint(stale));
        stats.sentUdp.increment();
      }
      sendRelay(p, data);
      b.position(b.limit());
    }
    if (p.pingDue(now, options.pingInterval().toNanos())) {
      pingAll(p, now);
    }
  }

  @Override
  public Endpoint parseEndpoint(String hostPort) {
    return udp.parseEndpoint(hostPort);
  }

  @Override
  public int batchSize() {
    return udp.batchSize();
  }

  /** The peer's endpoint (named by its node key); starts path discovery to its candidates. */
  @Override
  public Endpoint endpointFor(PeerPaths paths) {
    PeerEndpoint p = peers.computeIfAbsent(NodeKey.of(paths.nodeKey()), PeerEndpoint::new);
    update(p, paths);
    if (paths.homeRelay() != 0 && home != null) {
      region(paths.homeRelay()); // connect ahead of the first packet
    }
    if (p.pingDue(clock.nanoTime(), options.pingInterval().toNanos())) {
      pingAll(p, clock.nanoTime());
    }
    return p;
  }

  @Override
  public void setPeers(Collection<PeerPaths> all) {
    Set<NodeKey> keep = new java.util.HashSet<>();
    for (PeerPaths pp : all) {
      keep.add(NodeKey.of(pp.nodeKey()));
      endpointFor(pp);
    }
    for (Map.Entry<NodeKey, PeerEndpoint> e : peers.entrySet()) {
      if (!keep.contains(e.getKey()) && e.getValue().paths != null) {
        peers.remove(e.getKey(), e.getValue());
        byAddr.values().removeIf(v -> v == e.getValue());
        byDisco.values().removeIf(v -> v == e.getValue());
      }
    }
  }

  /**
   * Periodic work at the clock's now: heartbeats each trusted path in use every {@link #HEARTBEAT}
   * (so it stays trusted while pongs come back), and pings every candidate of peers without a
   * trusted path (rate limited by {@link Options#pingInterval}).
   */
  public void tick() {
    if (closed) {
      return;
    }
    long now = clock.nanoTime();
    for (PeerEndpoint p : peers.values()) {
      if (p.boxKey == null) {
        continue;
      }
      InetSocketAddress beat = p.heartbeatDue(now, HEARTBEAT.toNanos(), SESSION_ACTIVE.toNanos());
      if (beat != null) {
        sendPing(p, beat, now);
      } else if (p.trustedAddr(now) == null && p.pingDue(now, options.pingInterval().toNanos())) {
        pingAll(p, now);
      }
    }
    long expired = now - options.trustDuration().toNanos() * 4;
    pendingPings.values().removeIf(pp -> pp.sentNanos() - expired < 0);
  }

  /** Sends a STUN Binding request to the home region's STUN servers over the shared socket. */
  public void probeStun() throws IOException {
    if (relays.regions().isEmpty()) {
      return;
    }
    for (RelayMap.Relay r : relays.regions().getFirst().relays()) {
      if (r.stunPort() > 0) {
        stun.request(new InetSocketAddress(r.hostName(), r.stunPort()))
            .thenAccept(mapped -> updateLocalEndpoints(0, mapped));
      }
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    relayQueue.clear();
    relayQueue.offer(CLOSED);
    if (ticker != null) {
      ticker.interrupt();
    }
    for (RegionClient c : regionClients.values()) {
      c.close();
    }
    udp.close();
  }

  // ---- Internals ------------------------------------------------------------------------

  private void update(PeerEndpoint p, PeerPaths paths) {
    p.paths = paths;
    if (paths.discoKey() != null) {
      String dk = paths.discoKey().key().toHex();
      if (byDisco.get(dk) != p) {
        p.boxKey =
            NaclBox.beforeNm(
                keys.discoPrivate().key().rawForCrypto(), paths.discoKey().key().toBytes());
        byDisco.put(dk, p);
      }
    }
    LinkedHashSet<InetSocketAddress> c = new LinkedHashSet<>(paths.candidates());
    if (!c.equals(new LinkedHashSet<>(p.candidates))) {
      p.candidates = List.copyOf(c);
      p.resetPingLimit();
    }
    for (InetSocketAddress a : c) {
      byAddr.put(a, p);
    }
  }

  /** True when the datagram is WireGuard (for the device); disco and STUN are consumed here. */
  private boolean demux(ByteBuffer b, int size, Endpoint source) {
    if (size >= Stun.HEADER
        && b.get(1) == 0x01
        && (b.get(0) & 0xc0) == 0
        && b.get(4) == 0x21
        && b.get(5) == 0x12
        && b.get(6) == (byte) 0xA4
        && b.get(7) == 0x42) {
      byte[] d = new byte[size];
      b.get(0, d);
      if (stun.offer(d, 0, size)) {
        stats.stunResponses.increment();
      }
      return false;
    }
    if (size >= DiscoPacket.HEADER_LENGTH
        && b.get(0) == DiscoPacket.MAGIC[0]
        && b.get(1) == DiscoPacket.MAGIC[1]) {
      byte[] d = new byte[size];
      b.get(0, d);
      if (DiscoPacket.looksLike(d, 0, size)) {
        InetSocketAddress from = source.destination();
        if (from != null) {
          handleDisco(d, from, null);
        }
        return false;
      }
    }
    return true;
  }

  private void onRelayPacket(int region, NodeKey src, byte[] buf, int off, int len) {
    PeerEndpoint known = peers.get(src);
    if (known != null) {
      known.relayRegion = region;
    }
    if (DiscoPacket.looksLike(buf, off, len)) {
      handleDisco(java.util.Arrays.copyOfRange(buf, off, off + len), null, src);
      return;
    }
    if (!relayQueue.offer(
        new RelayPacket(src, java.util.Arrays.copyOfRange(buf, off, off + len)))) {
      stats.relayDropped.increment();
    }
  }

  /** A disco packet from UDP address {@code from}, or (when {@code from} is null) via relay. */
  private synchronized void handleDisco(byte[] d, InetSocketAddress from, NodeKey relaySrc) {
    DiscoPacket pkt = discoReader;
    if (!pkt.wrap(d, 0, d.length)) {
      stats.disco.notDisco.increment();
      return;
    }
    PeerEndpoint p = byDisco.get(pkt.sender().key().toHex());
    if (p == null || p.boxKey == null) {
      stats.disco.unknownSender.increment();
      return;
    }
    DiscoMessage m = pkt.openMessage(p.boxKey, stats.disco);
    if (m == null) {
      return;
    }
    long now = clock.nanoTime();
    switch (m) {
      case DiscoMessage.Ping ping -> {
        if (ping.nodeKey() != null && !NodeKey.of(ping.nodeKey()).equals(p.nodeKey)) {
          stats.disco.badMessage.increment(); // a disco key claiming another node's key
          return;
        }
        if (from != null) {
          byAddr.putIfAbsent(from, p);
          sendDiscoUdp(p, new DiscoMessage.Pong(ping.txId(), from), from);
          // a ping proves the path works one way: probe it back
          if (p.trustedAddr(now) == null) {
            sendPing(p, from, now);
          }
        } else {
          InetSocketAddress derpSrc = derpAddress();
          sendDiscoRelay(p, new DiscoMessage.Pong(ping.txId(), derpSrc));
        }
      }
      case DiscoMessage.Pong pong -> {
        stats.discoPongsReceived.increment();
        PendingPing pp = pendingPings.remove(HexFormat.of().formatHex(pong.txId()));
        if (pp == null || pp.peer() != p || from == null || !from.equals(pp.to())) {
          return;
        }
        p.notePong(from, now - pp.sentNanos(), now, now + options.trustDuration().toNanos());
      }
      case DiscoMessage.CallMeMaybe cmm -> {
        if (relaySrc == null) {
          return; // accepted only via the relay, as Tailscale does
        }
        stats.callMeMaybeReceived.increment();
        LinkedHashSet<InetSocketAddress> c = new LinkedHashSet<>(p.candidates);
        c.addAll(cmm.endpoints());
        p.candidates = List.copyOf(c);
        for (InetSocketAddress a : cmm.endpoints()) {
          byAddr.putIfAbsent(a, p);
          sendPing(p, a, now);
        }
      }
    }
  }

  private InetSocketAddress derpAddress() {
    try {
      return new InetSocketAddress(InetAddress.getByAddress(DERP_MAGIC_IP), homeRegion);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** Pings every candidate directly and tells the peer, via the relay, where to ping us. */
  private void pingAll(PeerEndpoint p, long now) {
    if (p.boxKey == null) {
      return;
    }
    for (InetSocketAddress a : p.candidates) {
      sendPing(p, a, now);
    }
    if (!localEndpoints.isEmpty()) {
      sendDiscoRelay(p, new DiscoMessage.CallMeMaybe(localEndpoints));
    }
  }

  private void sendPing(PeerEndpoint p, InetSocketAddress to, long now) {
    byte[] tx = new byte[DiscoMessage.TX_ID_LENGTH];
    RANDOM.nextBytes(tx);
    pendingPings.put(HexFormat.of().formatHex(tx), new PendingPing(p, to, now));
    sendDiscoUdp(p, new DiscoMessage.Ping(tx, keys.nodePublic(), 0), to);
    stats.discoPingsSent.increment();
  }

  private void sendDiscoUdp(PeerEndpoint p, DiscoMessage m, InetSocketAddress to) {
    byte[] pkt = DiscoPacket.seal(p.boxKey, keys.discoPublic(), m.encode());
    try {
      udp.send(new ByteBuffer[] {ByteBuffer.wrap(pkt)}, 1, new UdpEndpoint(to));
    } catch (IOException e) {
      // unreachable candidate or closed socket: the probe is lost, as a datagram may be
    }
  }

  private void sendDiscoRelay(PeerEndpoint p, DiscoMessage m) {
    byte[] pkt = DiscoPacket.seal(p.boxKey, keys.discoPublic(), m.encode());
    sendRelay(p, pkt);
  }

  /**
   * The client for region {@code id}, connecting on first use; null when the map has no such region
   * (or it has no relays) or the bind is closed.
   */
  private RegionClient region(int id) {
    RegionClient c = regionClients.get(id);
    if (c != null || closed) {
      return c;
    }
    for (RelayMap.Region r : relays.regions()) {
      if (r.id() == id && !r.relays().isEmpty()) {
        List<URI> uris = new ArrayList<>();
        for (RelayMap.Relay relay : r.relays()) {
          uris.add(options.relayUri().apply(relay));
        }
        return regionClients.computeIfAbsent(
            id,
            k ->
                new RegionClient(
                    uris,
                    keys.nodePrivate(),
                    options.derpOptions(),
                    new DerpClient.Listener() {
                      @Override
                      public void onPacket(NodeKey src, byte[] buf, int off, int len) {
                        onRelayPacket(k, src, buf, off, len);
                      }
                    }));
      }
    }
    return null;
  }

  /**
   * Where the peer is reached by relay (Tailscale sends to the peer's home region): its home from
   * the network map, else the region it last reached us through, else our home.
   */
  private RegionClient relayFor(PeerEndpoint p) {
    PeerPaths pp = p.paths;
    int id = pp != null && pp.homeRelay() != 0 ? pp.homeRelay() : p.relayRegion;
    RegionClient c = id == 0 ? null : region(id);
    return c != null ? c : home;
  }

  private void sendRelay(PeerEndpoint p, byte[] data) {
    RegionClient h = relayFor(p);
    if (h == null || !h.send(p.nodeKey, data, 0, data.length)) {
      stats.relayDropped.increment();
      return;
    }
    stats.sentRelay.increment();
  }

  /**
   * Recomputes the local endpoints after the socket bound {@code port} or STUN saw {@code mapped}.
   */
  private synchronized void updateLocalEndpoints(int port, InetSocketAddress mapped) {
    if (port != 0) {
      boundPort = port;
    }
    if (mapped != null) {
      stunMapped = mapped;
    }
    LinkedHashSet<InetSocketAddress> eps = new LinkedHashSet<>();
    if (stunMapped != null) {
      eps.add(stunMapped);
    }
    if (options.interfaceEndpoints() && boundPort != 0) {
      try {
        for (NetworkInterface ni : NetworkInterface.networkInterfaces().toList()) {
          if (!ni.isUp()) {
            continue;
          }
          for (InetAddress ia : ni.inetAddresses().toList()) {
            if (!ia.isLinkLocalAddress()) {
              eps.add(new InetSocketAddress(ia, boundPort));
            }
          }
        }
      } catch (SocketException e) {
        // no interface list: STUN-mapped endpoints only
      }
    }
    List<InetSocketAddress> now = List.copyOf(eps);
    if (!now.equals(localEndpoints)) {
      localEndpoints = now;
      listener.localEndpointsChanged(now);
    }
  }

  private static void copyDatagram(ByteBuffer from, int size, ByteBuffer to) {
    for (int i = 0; i < size; i++) {
      to.put(i, from.get(i));
    }
  }

  /** Whether {@code self} is this bind's node key (for tests). */
  boolean isSelf(NodeKey k) {
    return self.equals(k);
  }
}
