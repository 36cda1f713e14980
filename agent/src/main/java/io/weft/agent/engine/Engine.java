package io.weft.agent.engine;

import io.weft.control.protocol.NetMap;
import io.weft.control.protocol.Node;
import io.weft.control.protocol.Printable;
import io.weft.wg.device.Device;
import io.weft.wg.device.Peer;
import io.weft.wg.key.NoisePublicKey;
import java.lang.System.Logger.Level;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Applies {@link NetMap}s to a {@link Device} as a difference against the last map applied.
 *
 * <ul>
 *   <li>A peer new to the map is added with its addresses as allowed IPs (IPv4 /32, IPv6 /128)
 *       and its first reported endpoint.
 *   <li>A peer gone from the map, or now expired, is removed (its sessions end, keys zeroed).
 *   <li>A peer whose node key rotated is removed under the old key and added under the new one.
 *   <li>A changed endpoint or address list is updated in place: the peer's sessions survive.
 *   <li>Peers that did not change are not touched at all.
 * </ul>
 *
 * Endpoint choice is the first endpoint the peer reported; path selection (disco, relays) is
 * magicsock's job later. A peer address outside the mesh prefixes ({@link #MESH_PREFIXES}) is
 * never made an allowed IP (a server could otherwise route a LAN or the internet into a peer):
 * it is dropped and logged once. Thread-safe: {@link #apply} calls are serialised.
 */
public final class Engine {
  private static final System.Logger LOG = System.getLogger(Engine.class.getName());

  /** Where node addresses come from: Tailscale's CGNAT range and its IPv6 ULA prefix. */
  public static final String MESH_PREFIXES = "100.64.0.0/10, fd7a:115c:a1e0::/48";

  /** What the engine configured for one node, to compare the next map with. */
  private record Applied(NoisePublicKey key, String endpoint, List<String> addresses) {}

  /** What one {@link #apply} changed. */
  public record Change(int added, int removed, int updated) {
    /** Whether the device was left as it was. */
    public boolean none() {
      return added == 0 && removed == 0 && updated == 0;
    }
  }

  private final Device device;
  private final Map<Long, Applied> applied = new HashMap<>();
  private final Set<String> refusedLogged = new HashSet<>();

  /** An engine configuring {@code device}, whose private key must already be set. */
  public Engine(Device device) {
    this.device = Objects.requireNonNull(device, "device");
  }

  /** The device this engine configures. */
  public Device device() {
    return device;
  }

  /** Makes the device's peers match {@code map}; returns what changed. */
  public synchronized Change apply(NetMap map) {
    Map<Long, Applied> wanted = wanted(map);
    int removed = 0;
    int added = 0;
    int updated = 0;
    for (var it = applied.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Applied> e = it.next();
      Applied now = wanted.get(e.getKey());
      if (now == null || !now.key().equals(e.getValue().key())) {
        device.removePeer(e.getValue().key());
        it.remove();
        removed++;
      }
    }
    for (Map.Entry<Long, Applied> e : wanted.entrySet()) {
      Applied want = e.getValue();
      Applied had = applied.get(e.getKey());
      if (had == null) {
        Peer p = device.addPeer(want.key());
        setAllowedIps(p, want.addresses());
        setEndpoint(p, want.endpoint());
        added++;
      } else if (!had.equals(want)) {
        Peer p = device.peer(want.key());
        if (p == null) {
          p = device.addPeer(want.key());
        }
        if (!had.addresses().equals(want.addresses())) {
          setAllowedIps(p, want.addresses());
        }
        if (!Objects.equals(had.endpoint(), want.endpoint())) {
          setEndpoint(p, want.endpoint());
        }
        updated++;
      }
      applied.put(e.getKey(), want);
    }
    Change c = new Change(added, removed, updated);
    if (!c.none()) {
      LOG.log(Level.DEBUG, "map version {0}: {1} peers added, {2} removed, {3} updated",
          map.version(), added, removed, updated);
    }
    return c;
  }

  /** Removes every peer this engine added (logout, or the node was deleted). */
  public synchronized void clear() {
    for (Applied a : applied.values()) {
      device.removePeer(a.key());
    }
    applied.clear();
  }

  /** The node ids currently configured on the device. */
  public synchronized List<Long> nodeIds() {
    return List.copyOf(applied.keySet());
  }

  /** The peers the map allows: none while this node is unknown or expired; never expired peers. */
  private Map<Long, Applied> wanted(NetMap map) {
    Map<Long, Applied> wanted = new LinkedHashMap<>();
    Node self = map.self();
    if (self == null || self.expired()) {
      return wanted;
    }
    NoisePublicKey own = device.publicKey();
    for (Node n : map.peers().values()) {
      if (n.expired() || n.nodeKey() == null) {
        continue;
      }
      NoisePublicKey key;
      try {
        key = NoisePublicKey.fromBase64(n.nodeKey());
      } catch (IllegalArgumentException e) {
        LOG.log(Level.WARNING, "node {0}: malformed node key, skipped", n.id());
        continue;
      }
      if (key.equals(own)) {
        continue;
      }
      String endpoint = n.endpoints().isEmpty() ? null : n.endpoints().getFirst();
      wanted.put(n.id(), new Applied(key, endpoint, meshOnly(n)));
    }
    return wanted;
  }

  /** {@code n}'s addresses inside the mesh prefixes; each one outside is logged once. */
  private List<String> meshOnly(Node n) {
    List<String> out = new ArrayList<>(n.addresses().size());
    for (String a : n.addresses()) {
      if (isMeshPrefix(a)) {
        out.add(a);
      } else if (refusedLogged.size() < 4096 && refusedLogged.add(n.id() + " " + a)) {
        LOG.log(Level.WARNING, "node {0}: address {1} is outside the mesh prefixes {2}: not routed to it",
            n.id(), Printable.strip(a), MESH_PREFIXES);
      }
    }
    return out.size() == n.addresses().size() ? n.addresses() : List.copyOf(out);
  }

  /** Whether {@code a} is inside 100.64.0.0/10 or fd7a:115c:a1e0::/48. */
  public static boolean isMeshAddress(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length == 4) {
      return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
    }
    return (b[0] & 0xff) == 0xfd && (b[1] & 0xff) == 0x7a && (b[2] & 0xff) == 0x11 && (b[3] & 0xff) == 0x5c
        && (b[4] & 0xff) == 0xa1 && (b[5] & 0xff) == 0xe0;
  }

  /**
   * Whether the prefix {@code text} ({@code 100.64.0.1/32}, or a bare address) lies wholly inside
   * the mesh prefixes: its address inside, its length no shorter than the mesh prefix's.
   */
  public static boolean isMeshPrefix(String text) {
    int slash = text.indexOf('/');
    String host = slash < 0 ? text : text.substring(0, slash);
    InetAddress a;
    try {
      a = InetAddress.ofLiteral(host);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int max = a instanceof Inet4Address ? 32 : 128;
    int len = max;
    if (slash >= 0) {
      String l = text.substring(slash + 1);
      if (!l.matches("[0-9]{1,3}")) {
        return false;
      }
      len = Integer.parseInt(l);
    }
    return len <= max && len >= (max == 32 ? 10 : 48) && isMeshAddress(a);
  }

  private void setAllowedIps(Peer p, List<String> addresses) {
    device.clearAllowedIps(p);
    for (String a : addresses) {
      InetAddress ip = hostOf(a);
      if (ip != null) {
        device.addAllowedIp(p, ip.getAddress(), ip instanceof Inet4Address ? 32 : 128);
      }
    }
  }

  private void setEndpoint(Peer p, String endpoint) {
    if (endpoint == null) {
      return;
    }
    try {
      p.setEndpoint(device.parseEndpoint(endpoint));
    } catch (IllegalArgumentException e) {
      LOG.log(Level.WARNING, "peer {0}: endpoint {1} ignored: {2}", p, Printable.strip(endpoint),
          Printable.strip(e.getMessage()));
    }
  }

  /** The address of {@code 100.64.0.1/32} or {@code fd7a::1/128}; null when malformed. */
  static InetAddress hostOf(String prefix) {
    int slash = prefix.indexOf('/');
    String host = slash < 0 ? prefix : prefix.substring(0, slash);
    try {
      return InetAddress.ofLiteral(host);
    } catch (IllegalArgumentException e) {
      LOG.log(Level.WARNING, "address {0} ignored: not a literal", Printable.strip(prefix));
      return null;
    }
  }

  /** The addresses of {@code prefixes} (host parts), skipping malformed ones. */
  public static List<InetAddress> hosts(List<String> prefixes) {
    List<InetAddress> out = new ArrayList<>();
    for (String p : prefixes) {
      InetAddress a = hostOf(p);
      if (a != null) {
        out.add(a);
      }
    }
    return out;
  }

  /**
   * {@code a} as text, IPv6 in the RFC 5952 form (lower case, the longest run of two or more zero
   * groups as {@code ::}) as the map writes addresses, not Java's uncompressed form.
   */
  public static String text(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length == 4) {
      return a.getHostAddress();
    }
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString();
  }
}
