package io.weft.agent.backend;

import io.weft.wg.conn.BindFactory;
import io.weft.wg.conn.UdpEndpoint;
import java.lang.System.Logger.Level;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;

/**
 * The endpoints a node reports to the coordination server: those its bind learned (STUN, port
 * mapping; told through {@link BindFactory.EndpointListener}) and its advertised addresses (or
 * every non-loopback, non-mesh interface address) with the bind's port.
 */
final class LocalEndpoints implements BindFactory.EndpointListener {
  private static final System.Logger LOG = System.getLogger(LocalEndpoints.class.getName());

  private final String hostname;
  private final List<InetAddress> advertise;
  private volatile List<InetSocketAddress> fromBind = List.of();

  /** For the node {@code hostname}; {@code advertise} null means every interface address. */
  LocalEndpoints(String hostname, List<InetAddress> advertise) {
    this.hostname = hostname;
    this.advertise = advertise;
  }

  /** The bind learned its local endpoints: reported from the next registration. */
  @Override
  public void localEndpointsChanged(List<InetSocketAddress> endpoints) {
    fromBind = List.copyOf(endpoints);
    LOG.log(Level.DEBUG, "{0}: bind endpoints {1}", hostname, endpoints);
  }

  /** What to report, in {@code host:port} form: the bind's endpoints, then the advertised ones. */
  List<String> report(int port) {
    List<String> endpoints = new ArrayList<>();
    for (InetSocketAddress a : fromBind) {
      endpoints.add(new UdpEndpoint(a).destinationString());
    }
    for (InetAddress a : advertised()) {
      String host = a.getHostAddress();
      int zone = host.indexOf('%');
      if (zone >= 0) {
        host = host.substring(0, zone);
      }
      endpoints.add((a instanceof Inet6Address ? "[" + host + "]" : host) + ":" + port);
    }
    return endpoints;
  }

  private List<InetAddress> advertised() {
    if (advertise != null) {
      return advertise;
    }
    List<InetAddress> out = new ArrayList<>();
    try {
      for (NetworkInterface ni : NetworkInterface.networkInterfaces().toList()) {
        if (!ni.isUp() || ni.isLoopback()) {
          continue;
        }
        for (InetAddress a : ni.inetAddresses().toList()) {
          if (!a.isLinkLocalAddress() && !a.isLoopbackAddress() && !isMesh(a)) {
            out.add(a);
          }
        }
      }
    } catch (SocketException e) {
      LOG.log(Level.WARNING, "cannot list interfaces: {0}", e.getMessage());
    }
    if (out.isEmpty()) {
      out.add(InetAddress.getLoopbackAddress());
    }
    return out;
  }

  /**
   * An address inside the mesh (100.64.0.0/10, fd7a:115c:a1e0::/48): never a WireGuard endpoint.
   */
  static boolean isMesh(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length == 4) {
      return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
    }
    return (b[0] & 0xff) == 0xfd
        && (b[1] & 0xff) == 0x7a
        && (b[2] & 0xff) == 0x11
        && (b[3] & 0xff) == 0x5c
        && (b[4] & 0xff) == 0xa1
        && (b[5] & 0xff) == 0xe0;
  }
}
