package io.weft.agent.proxy;

import io.weft.agent.backend.Backend;
import io.weft.agent.netmap.NetMapBus;
import io.weft.control.protocol.NetMap;
import io.weft.netstack.NetStack;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The proxies of one userspace-mode node: SOCKS5, HTTP proxy and inbound forwarding as {@link
 * ProxyOptions} asks, with a name table following the node's network maps.
 */
public final class UserspaceProxies implements AutoCloseable {
  private final MeshNames names = new MeshNames();
  private static final System.Logger LOG = System.getLogger(UserspaceProxies.class.getName());

  private final Backend backend;
  private final ProxyOptions options;
  private final List<AutoCloseable> open = new ArrayList<>();
  private NetMapBus.Subscription subscription;
  private Socks5Server socks5;
  private HttpProxyServer httpProxy;
  private InboundForwarder forwarder; // guarded by this
  private String forwardError; // guarded by this
  private boolean closed; // guarded by this

  private UserspaceProxies(Backend backend, ProxyOptions options) throws IOException {
    this.backend = backend;
    this.options = options;
    try {
      final MeshDialer dialer =
          new MeshDialer(
              backend::netstack, names, options.fallback(), options.limits().connectTimeout());
      if (options.socks5() != null) {
        socks5 = new Socks5Server(options.socks5(), dialer, options.users(), options.limits());
        open.add(socks5);
      }
      if (options.httpProxy() != null) {
        httpProxy = new HttpProxyServer(options.httpProxy(), dialer, options.limits());
        open.add(httpProxy);
      }
      subscription = backend.netMaps().subscribe("proxy-names", this::mapChanged);
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Starts what {@code options} asks for on {@code backend}, which must be in userspace mode. The
   * listeners on the host are open when this returns; inbound forwarding starts with the first
   * network map, once the node has its netstack ({@link #forwarder()} is null until then).
   */
  public static UserspaceProxies start(Backend backend, ProxyOptions options) throws IOException {
    return new UserspaceProxies(backend, options);
  }

  private void mapChanged(NetMap map) {
    names.update(map);
    synchronized (this) {
      if (closed || forwarder != null || options.forwards().isEmpty() || forwardError != null) {
        return;
      }
      final Optional<NetStack> stack = backend.netstack();
      if (stack.isEmpty()) {
        return;
      }
      try {
        forwarder = new InboundForwarder(stack.get(), options.forwards(), options.limits());
        LOG.log(Level.INFO, "forwarding {0}", options.forwards());
      } catch (IOException e) {
        forwardError = e.getMessage();
        LOG.log(Level.WARNING, "inbound forwarding failed: {0}", e.getMessage());
      }
    }
  }

  /** Why inbound forwarding could not start, or null. */
  public synchronized String forwardError() {
    return forwardError;
  }

  /** The SOCKS5 server, or null when not asked for. */
  public Socks5Server socks5() {
    return socks5;
  }

  /** The HTTP proxy, or null when not asked for. */
  public HttpProxyServer httpProxy() {
    return httpProxy;
  }

  /** The inbound forwarder, or null when not asked for or not started yet. */
  public synchronized InboundForwarder forwarder() {
    return forwarder;
  }

  /** The name table the proxies resolve with. */
  public MeshNames names() {
    return names;
  }

  @Override
  public void close() {
    if (subscription != null) {
      subscription.close();
    }
    synchronized (this) {
      closed = true;
      if (forwarder != null) {
        forwarder.close();
      }
    }
    for (AutoCloseable c : open.reversed()) {
      HostListener.closeQuietly(c);
    }
  }
}
