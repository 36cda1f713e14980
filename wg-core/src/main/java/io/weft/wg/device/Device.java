package io.weft.wg.device;

import io.weft.wg.allowedips.AllowedIps;
import io.weft.wg.conn.Bind;
import io.weft.wg.conn.Endpoint;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import io.weft.wg.noise.CookieChecker;
import io.weft.wg.noise.Noise;
import io.weft.wg.ratelimit.HandshakeRateLimiter;
import io.weft.wg.time.NanoClock;
import io.weft.wg.tun.Tun;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A WireGuard interface: the static identity, the peers, cryptokey routing, and the threads that
 * move packets between a {@link Tun} and a {@link Bind} (paper §3–§6).
 *
 * <p>The flows live in their own files, as wireguard-go's {@code device/}: this class holds the
 * configuration and lifecycle. Threads: one reads the TUN and seals ({@link SendLoop}, with the
 * per-peer send flow in {@link Peer}), one per bind source receives datagrams and opens transport
 * messages inline ({@link ReceiveLoop}, {@link Receive}) while queueing handshake messages for
 * another, which checks MACs and answers with cookies under load ({@link Handshakes}), and one
 * fires timers ({@link Timers}). One thread per direction with no handoff is the fastest
 * arrangement on few cores ({@code shared/PERFORMANCE.md}); each peer's packets leave in order
 * because one thread sends them.
 */
public final class Device implements Closeable {
  /** Room before each packet for the 16-byte transport header, so sealing is in place. */
  public static final int HEADROOM = 16;

  /** Size of each packet buffer: header, the largest packet, padding and tag. */
  public static final int BUFFER_SIZE = HEADROOM + Constants.MAX_CONTENT_SIZE + 16 + 16;

  final System.Logger log;
  final NanoClock clock;
  final SecureRandom random = new SecureRandom();
  final Tun tun;
  final Bind bind;
  final Noise noise;
  final CookieChecker cookieChecker;
  final HandshakeRateLimiter rateLimiter = new HandshakeRateLimiter();
  final IndexTable indexTable = new IndexTable(random);
  final AllowedIps<Peer> allowedIps = new AllowedIps<>();
  final Map<NoisePublicKey, Peer> peers = new ConcurrentHashMap<>();
  final Stats stats = new Stats();
  final ArrayBlockingQueue<Handshakes.Message> handshakeQueue =
      new ArrayBlockingQueue<>(Constants.HANDSHAKE_QUEUE_SIZE);
  final ReentrantLock configLock = new ReentrantLock();

  /** Serialises TUN writes when more than one receive loop runs ({@link #sharedTunWrites}). */
  final ReentrantLock tunWriteLock = new ReentrantLock();

  volatile boolean sharedTunWrites;

  private volatile NoisePrivateKey privateKey;
  private volatile NoisePublicKey publicKey;
  private volatile int listenPort;
  private volatile int fwmark;
  private volatile int mtu;
  volatile boolean roaming = true;
  private volatile long rekeyAfterTimeNanos = Constants.REKEY_AFTER_TIME_NANOS;
  private volatile int cryptoWorkers = CryptoPool.defaultWorkers();
  volatile long underLoadUntilNanos;
  private volatile boolean underLoadForced;

  private final List<Thread> threads = new ArrayList<>();
  volatile Thread timerThread;
  static final long NOT_SLEEPING = Long.MIN_VALUE;
  volatile long timerWakeNanos = NOT_SLEEPING;
  private volatile boolean up;
  volatile boolean closed;
  private final java.util.concurrent.CountDownLatch closedLatch =
      new java.util.concurrent.CountDownLatch(1);

  /** Counters of dropped and handled packets. */
  public static final class Stats {
    public final LongAdder droppedUnknownIndex = new LongAdder();
    public final LongAdder droppedExpired = new LongAdder();
    public final LongAdder droppedBadMac = new LongAdder();
    public final LongAdder droppedReplay = new LongAdder();
    public final LongAdder droppedBadInner = new LongAdder();
    public final LongAdder droppedNotAllowed = new LongAdder();
    public final LongAdder droppedNoPeer = new LongAdder();
    public final LongAdder droppedInvalid = new LongAdder();
    public final LongAdder droppedHandshakeQueueFull = new LongAdder();
    public final LongAdder handshakeBadMac1 = new LongAdder();
    public final LongAdder handshakeRateLimited = new LongAdder();
    public final LongAdder handshakeRejected = new LongAdder();
    public final LongAdder cookieRepliesSent = new LongAdder();
    public final LongAdder handshakesCompleted = new LongAdder();
    public final LongAdder stagedDropped = new LongAdder();
    public final LongAdder tunWriteErrors = new LongAdder();
  }

  /** A device over {@code tun} and {@code bind}; call {@link #up()} to start moving packets. */
  public Device(Tun tun, Bind bind, NanoClock clock, System.Logger log) {
    this.tun = tun;
    this.bind = bind;
    this.clock = clock;
    this.log = log;
    this.noise = new Noise(clock, random);
    this.cookieChecker = new CookieChecker(clock, random);
    this.mtu = tun.mtu();
    cookieChecker.init(null);
  }

  // ---- Configuration (UAPI and embedding) ------------------------------------------------

  /** The private key, or null when unset. */
  public NoisePrivateKey privateKey() {
    return privateKey;
  }

  /** The public key, or null when no private key is set. */
  public NoisePublicKey publicKey() {
    return publicKey;
  }

  /** Sets the static private key (null or all-zero unsets it); handshakes restart. */
  public void setPrivateKey(NoisePrivateKey key) {
    configLock.lock();
    try {
      NoisePrivateKey k = key == null || key.isZero() ? null : key;
      NoisePublicKey pub = k == null ? null : k.publicKey();
      NoisePrivateKey old = privateKey;
      privateKey = k;
      publicKey = pub;
      cookieChecker.init(pub);
      for (Peer p : peers.values()) {
        if (pub != null && p.publicKey.equals(pub)) {
          removePeer(p.publicKey); // a peer with our own key is meaningless (wireguard-go)
          continue;
        }
        p.handshake.setLocalPrivateKey(k);
        Keypairs.zeroAll(p);
      }
      if (old != null && old != k && (k == null || !old.sameKey(k))) {
        old.destroy();
      }
    } finally {
      configLock.unlock();
    }
  }

  /** The UDP port the bind listens on (0 before {@link #up()} when none was set). */
  public int listenPort() {
    return listenPort;
  }

  /** Sets the listen port, rebinding immediately when the device is up. */
  public void setListenPort(int port) throws IOException {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("listen port must be 0..65535, got " + port);
    }
    configLock.lock();
    try {
      if (up) {
        listenPort = bind.open(port);
      } else {
        listenPort = port;
      }
    } finally {
      configLock.unlock();
    }
  }

  /** The firewall mark (kept for the UAPI; the JDK cannot set SO_MARK). */
  public int fwmark() {
    return fwmark;
  }

  /** Sets the firewall mark value reported by the UAPI. */
  public void setFwmark(int mark) {
    this.fwmark = mark;
  }

  /** The MTU used for padding. */
  public int mtu() {
    return mtu;
  }

  /** Shortens or restores REKEY_AFTER_TIME (tests and benchmarks of rekeying). */
  public void setRekeyAfterTimeNanos(long nanos) {
    this.rekeyAfterTimeNanos = nanos;
  }

  long rekeyAfterTimeNanos() {
    return rekeyAfterTimeNanos;
  }

  /**
   * Sets how many extra threads per direction seal and open packets in parallel (0 = all on the TUN
   * and network threads). Takes effect at {@link #up()}; the default depends on the cores.
   */
  public void setCryptoWorkers(int workers) {
    if (workers < 0) {
      throw new IllegalArgumentException("crypto workers must be >= 0, got " + workers);
    }
    this.cryptoWorkers = workers;
  }

  /** The number of crypto worker threads per direction. */
  public int cryptoWorkers() {
    return cryptoWorkers;
  }

  /** Forces the under-load state (tests of the cookie mechanism). */
  public void setUnderLoadForced(boolean forced) {
    this.underLoadForced = forced;
  }

  boolean underLoad(long now) {
    return underLoadForced || now - underLoadUntilNanos < 0;
  }

  /** Statistics. */
  public Stats stats() {
    return stats;
  }

  /** The peer with {@code key}, or null. */
  public Peer peer(NoisePublicKey key) {
    return peers.get(key);
  }

  /** All peers, in no particular order. */
  public List<Peer> peers() {
    return List.copyOf(peers.values());
  }

  /** Returns the peer with {@code key}, creating it when absent. */
  public Peer addPeer(NoisePublicKey key) {
    configLock.lock();
    try {
      if (publicKey != null && publicKey.equals(key)) {
        throw new IllegalArgumentException("a peer cannot have the device's own public key");
      }
      return peers.computeIfAbsent(key, k -> new Peer(this, k));
    } finally {
      configLock.unlock();
    }
  }

  /** Removes a peer: its sessions end, its keys are zeroed and its allowed IPs go. */
  public void removePeer(NoisePublicKey key) {
    configLock.lock();
    try {
      Peer p = peers.remove(key);
      if (p != null) {
        Timers.stopAll(p);
        allowedIps.removeByPeer(p);
        Keypairs.zeroAll(p);
        p.clearStaged();
      }
    } finally {
      configLock.unlock();
    }
  }

  /** Removes every peer. */
  public void removeAllPeers() {
    for (NoisePublicKey k : List.copyOf(peers.keySet())) {
      removePeer(k);
    }
  }

  /** Routes {@code addr/bits} to {@code peer} (taking it from any other peer). */
  public void addAllowedIp(Peer peer, byte[] addr, int bits) {
    allowedIps.insert(addr, bits, peer);
  }

  /** Removes every allowed IP of {@code peer}. */
  public void clearAllowedIps(Peer peer) {
    allowedIps.removeByPeer(peer);
  }

  /** The allowed IPs of {@code peer}. */
  public List<io.weft.wg.allowedips.Prefix> allowedIps(Peer peer) {
    return allowedIps.prefixesOf(peer);
  }

  /** Sets a peer's persistent keepalive interval (seconds, 0 = off); sends one now if turned on. */
  public void setPersistentKeepalive(Peer peer, int seconds) {
    int old = peer.persistentKeepaliveSeconds;
    peer.persistentKeepaliveSeconds = seconds;
    if (old == 0 && seconds > 0 && up) {
      Send.keepalive(peer);
    }
  }

  /** The bind this device sends through and receives from. */
  public Bind bind() {
    return bind;
  }

  /** Parses an endpoint in the bind's syntax. */
  public Endpoint parseEndpoint(String hostPort) {
    return bind.parseEndpoint(hostPort);
  }

  void deleteKeypair(Keypair kp) {
    if (kp != null) {
      indexTable.remove(kp.localIndex);
      kp.destroy();
    }
  }

  void sendDatagram(ByteBuffer buf, Endpoint ep) throws IOException {
    ByteBuffer[] one = {buf};
    bind.send(one, 1, ep);
  }

  // ---- Lifecycle -------------------------------------------------------------------------

  /** Opens the bind and starts the device threads (with a timer thread). */
  public void up() throws IOException {
    up(true);
  }

  /**
   * Opens the bind and starts the packet threads; without a timer thread the caller drives timers
   * with {@link #pollTimers()} (tests on a manual clock).
   */
  public void up(boolean withTimerThread) throws IOException {
    configLock.lock();
    try {
      if (up) {
        return;
      }
      listenPort = bind.open(listenPort);
      up = true;
      SendLoop send = new SendLoop(this);
      List<Bind.Receiver> receivers = bind.receivers();
      List<ReceiveLoop> loops = new ArrayList<>();
      for (int i = 0; i < receivers.size(); i++) {
        // Parallel crypto on the first source only: the others (relay streams) are slow paths.
        loops.add(new ReceiveLoop(this, receivers.get(i), i == 0 ? cryptoWorkers : 0));
      }
      sharedTunWrites = loops.size() > 1;
      start("weft-tun-reader", send::loop);
      for (int i = 0; i < loops.size(); i++) {
        start(i == 0 ? "weft-receiver" : "weft-receiver-" + (i + 1), loops.get(i)::loop);
      }
      start("weft-handshake", () -> Handshakes.loop(this));
      if (withTimerThread) {
        timerThread = start("weft-timers", () -> Timers.loop(this));
      }
    } finally {
      configLock.unlock();
    }
  }

  private Thread start(String name, Runnable r) {
    Thread t = Thread.ofPlatform().name(name).daemon().start(r);
    threads.add(t);
    return t;
  }

  /** The device's thread with {@code name} (weft-tun-reader, weft-receiver, ...), or null. */
  Thread thread(String name) {
    for (Thread t : threads) {
      if (t.getName().equals(name)) {
        return t;
      }
    }
    return null;
  }

  /** Whether the device is up. */
  public boolean isUp() {
    return up && !closed;
  }

  /** Stops the threads, closes TUN and bind, zeroes all keys. */
  @Override
  public void close() {
    configLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      up = false;
    } finally {
      configLock.unlock();
    }
    try {
      bind.close();
    } catch (IOException e) {
      log.log(System.Logger.Level.DEBUG, "closing bind: {0}", e.getMessage());
    }
    try {
      tun.close();
    } catch (IOException e) {
      log.log(System.Logger.Level.DEBUG, "closing tun: {0}", e.getMessage());
    }
    for (Thread t : threads) {
      t.interrupt();
    }
    for (Thread t : threads) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(2));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Peer p : peers.values()) {
      Timers.stopAll(p);
      Keypairs.zeroAll(p);
    }
    NoisePrivateKey k = privateKey;
    if (k != null) {
      k.destroy();
    }
    closedLatch.countDown();
  }

  /** Blocks until the device is closed (by {@link #close()} or because its TUN went away). */
  public void awaitClosed() throws InterruptedException {
    closedLatch.await();
  }

  /** Whether the device was closed. */
  public boolean isClosed() {
    return closed;
  }

  // ---- Threads ---------------------------------------------------------------------------

  /** Fires all expired timers now; returns the earliest pending deadline or Long.MIN_VALUE. */
  public long pollTimers() {
    long now = clock.nanoTime();
    long earliest = Timers.State.OFF;
    for (Peer p : peers.values()) {
      long d = Timers.poll(p, now);
      if (d != Timers.State.OFF && (earliest == Timers.State.OFF || d - earliest < 0)) {
        earliest = d;
      }
    }
    if (now - rateSweepNanos > 1_000_000_000L) {
      rateSweepNanos = now;
      rateLimiter.sweep(now);
    }
    return earliest;
  }

  private long rateSweepNanos;

  void timerArmed(long deadline) {
    Thread t = timerThread;
    long w = timerWakeNanos;
    if (t != null && (w == NOT_SLEEPING || deadline - w < 0)) {
      LockSupport.unpark(t);
    }
  }
}
