package io.weft.agent.proxy;

import io.weft.agent.backend.Backend;
import io.weft.agent.netmap.NetMapBus;
import io.weft.netstack.NetStack;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The proxies of one userspace-mode node: SOCKS5, HTTP proxy and inbound forwarding as {@link
 * ProxyOptions} asks, with a name table following the node's network maps.
 */
public final class UserspaceProxies implements AutoCloseable {
  private final MeshNames names = new MeshNames();
  private final NetMapBus.Subscription subscription;
  private final List<AutoCloseable> open = new ArrayList<>();
  private Socks5Server socks5;
  private HttpProxyServer httpProxy;
  private InboundForwarder forwarder;

  private UserspaceProxies(Backend backend, ProxyOptions options, Duration stackTimeout) throws IOException {
    subscription = backend.netMaps().subscribe("proxy-names", names::update);
    open.add(subscription);
    try {
      final MeshDialer dialer = new MeshDialer(backend::netstack, names, options.fallback(),
          options.limits().connectTimeout());
      if (options.socks5() != null) {
        socks5 = new Socks5Server(options.socks5(), dialer, options.users(), options.limits());
        open.add(socks5);
      }
      if (options.httpProxy() != null) {
        httpProxy = new HttpProxyServer(options.httpProxy(), dialer, options.limits());
        open.add(httpProxy);
      }
      if (!options.forwards().isEmpty()) {
        forwarder = new InboundForwarder(awaitStack(backend, stackTimeout), options.forwards(), options.limits());
        open.add(forwarder);
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Starts what {@code options} asks for on {@code backend}, which must be in userspace mode;
   * inbound forwarding waits up to {@code stackTimeout} for the node's netstack.
   */
  public static UserspaceProxies start(Backend backend, ProxyOptions options, Duration stackTimeout)
      throws IOException {
    return new UserspaceProxies(backend, options, stackTimeout);
  }

  private static NetStack awaitStack(Backend b, Duration timeout) throws IOException {
    final long deadline = System.nanoTime() + timeout.toNanos();
    Optional<NetStack> s;
    while ((s = b.netstack()).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IOException("inbound forwarding needs the node's netstack (userspace mode, registered)");
      }
      try {
        b.awaitState(io.weft.agent.backend.BackendState.RUNNING, Duration.ofMillis(50));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
    }
    return s.get();
  }

  /** The SOCKS5 server, or null when not asked for. */
  public Socks5Server socks5() {
    return socks5;
  }

  /** The HTTP proxy, or null when not asked for. */
  public HttpProxyServer httpProxy() {
    return httpProxy;
  }

  /** The inbound forwarder, or null when not asked for. */
  public InboundForwarder forwarder() {
    return forwarder;
  }

  /** The name table the proxies resolve with. */
  public MeshNames names() {
    return names;
  }

  @Override
  public void close() {
    for (AutoCloseable c : open.reversed()) {
      HostListener.closeQuietly(c);
    }
  }
}
