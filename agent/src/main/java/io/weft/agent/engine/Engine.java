package io.weft.agent.engine;

import io.weft.control.protocol.MeshPrefixes;
import io.weft.control.protocol.NetMap;
import io.weft.control.protocol.Node;
import io.weft.control.protocol.Printable;
import io.weft.wg.allowedips.Prefix;
import io.weft.wg.conn.Bind;
import io.weft.wg.conn.Endpoint;
import io.weft.wg.conn.PeerPaths;
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
 *   <li>A peer new to the map is added with its addresses as allowed IPs (IPv4 /32, IPv6 /128) and
 *       the endpoint the bind chooses for its {@link PeerPaths} (keys, candidate endpoints, home
 *       relay): the plain UDP bind takes the first candidate.
 *   <li>A peer gone from the map, or now expired, is removed (its sessions end, keys zeroed).
 *   <li>A peer whose node key rotated is removed under the old key and added under the new one.
 *   <li>A changed endpoint or address list is updated in place: the peer's sessions survive.
 *   <li>Peers that did not change are not touched at all.
 * </ul>
 *
 * Path choice is the bind's ({@link Bind#endpointFor}); after each map the bind also gets the whole
 * peer set ({@link Bind#setPeers}). A peer address outside the mesh prefixes ({@link MeshPrefixes})
 * is never made an allowed IP (a server could otherwise route a LAN or the internet into a peer):
 * it is dropped and logged once. Thread-safe: {@link #apply} calls are serialised.
 */
public final class Engine {
  private static final System.Logger LOG = System.getLogger(Engine.class.getName());

  /** Where node addresses come from: Tailscale's CGNAT range and its IPv6 ULA prefix. */
  public static final String MESH_PREFIXES = MeshPrefixes.V4 + ", " + MeshPrefixes.V6;

  /** What the engine configured for one node, to compare the next map with. */
  private record Applied(NoisePublicKey key, PeerPaths paths, List<String> addresses) {}

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
        setEndpoint(p, want.paths());
        added++;
      } else if (!had.equals(want)) {
        Peer p = device.peer(want.key());
        if (p == null) {
          p = device.addPeer(want.key());
        }
        if (!had.addresses().equals(want.addresses())) {
          setAllowedIps(p, want.addresses());
        }
        if (!had.paths().equals(want.paths())) {
          setEndpoint(p, want.paths());
        }
        updated++;
      }
      applied.put(e.getKey(), want);
    }
    List<PeerPaths> all = new ArrayList<>(applied.size());
    for (Applied a : applied.values()) {
      all.add(a.paths());
    }
    device.bind().setPeers(all);
    Change c = new Change(added, removed, updated);
    if (!c.none()) {
      LOG.log(
          Level.DEBUG,
          "map version {0}: {1} peers added, {2} removed, {3} updated",
          map.version(),
          added,
          removed,
          updated);
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
      NoisePublicKey key = n.nodePublicKey();
      if (key == null) {
        LOG.log(Level.WARNING, "node {0}: malformed node key, skipped", n.id());
        continue;
      }
      if (key.equals(own)) {
        continue;
      }
      wanted.put(n.id(), new Applied(key, paths(n, key), meshOnly(n)));
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
        LOG.log(
            Level.WARNING,
            "node {0}: address {1} is outside the mesh prefixes {2}: not routed to it",
            n.id(),
            Printable.strip(a),
            MESH_PREFIXES);
      }
    }
    return out.size() == n.addresses().size() ? n.addresses() : List.copyOf(out);
  }

  /** Whether {@code a} is inside 100.64.0.0/10 or fd7a:115c:a1e0::/48. */
  public static boolean isMeshAddress(InetAddress a) {
    return MeshPrefixes.contains(a);
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

  /** What the map says about reaching {@code n} (its typed views skip malformed entries). */
  private static PeerPaths paths(Node n, NoisePublicKey key) {
    return new PeerPaths(key, n.discoPublicKey(), n.endpointAddresses(), 0);
  }

  private void setEndpoint(Peer p, PeerPaths paths) {
    try {
      Endpoint e = device.bind().endpointFor(paths);
      if (e != null) {
        p.setEndpoint(e);
      }
    } catch (IllegalArgumentException e) {
      LOG.log(
          Level.WARNING,
          "peer {0}: no endpoint from {1}: {2}",
          p,
          paths.candidates(),
          Printable.strip(e.getMessage()));
    }
  }

  /** The address of {@code 100.64.0.1/32} or {@code fd7a::1/128}; null when malformed. */
  static InetAddress hostOf(String prefix) {
    InetAddress a = Node.host(prefix);
    if (a == null) {
      LOG.log(Level.WARNING, "address {0} ignored: not a literal", Printable.strip(prefix));
    }
    return a;
  }

  /** The addresses of {@code prefixes} (host parts), skipping malformed ones. */
  public static List<InetAddress> hosts(List<String> prefixes) {
    return Node.hostsOf(prefixes);
  }

  /**
   * {@code a} as text, IPv6 in the RFC 5952 form (lower case, the longest run of two or more zero
   * groups as {@code ::}) as the map writes addresses, not Java's uncompressed form.
   */
  public static String text(InetAddress a) {
    return Prefix.addressText(a.getAddress());
  }
}
