package io.weft.agent.proxy;

import io.weft.control.protocol.NetMap;
import io.weft.control.protocol.Node;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The proxies' name table, rebuilt from each network map: a node's given name, its host name and
 * either with the map's domain appended (a trailing dot allowed, case ignored) name its mesh
 * addresses. Names outside the map are not resolved here, so nothing leaks to the host's DNS.
 */
public final class MeshNames {
  private volatile Table table = new Table(Map.of(), Set.of());

  private record Table(Map<String, List<InetAddress>> names, Set<InetAddress> addresses) {}

  /** Replaces the table with the names and addresses of {@code map}'s self and peers. */
  public void update(NetMap map) {
    final Map<String, List<InetAddress>> names = new HashMap<>();
    final Set<InetAddress> addresses = new HashSet<>();
    final String domain = map.domain() == null ? null : normalise(map.domain());
    final java.util.ArrayList<Node> nodes = new java.util.ArrayList<>(map.peers().values());
    if (map.self() != null) {
      nodes.add(map.self());
    }
    for (Node n : nodes) {
      if (n.expired()) {
        continue;
      }
      final List<InetAddress> hosts = preferV4(n.hosts());
      if (hosts.isEmpty()) {
        continue;
      }
      addresses.addAll(hosts);
      for (String name : new String[] {n.name(), n.hostname()}) {
        if (name == null || name.isBlank()) {
          continue;
        }
        final String key = normalise(name);
        names.putIfAbsent(key, hosts);
        if (domain != null && !domain.isEmpty() && !key.endsWith("." + domain)) {
          names.putIfAbsent(key + "." + domain, hosts);
        }
      }
    }
    table = new Table(Map.copyOf(names), Set.copyOf(addresses));
  }

  /** The mesh addresses of {@code name} (IPv4 first), or an empty list. */
  public List<InetAddress> resolve(String name) {
    final List<InetAddress> a = table.names().get(normalise(name));
    return a == null ? List.of() : a;
  }

  /** Whether {@code address} is a mesh address of a node in the map. */
  public boolean isMeshAddress(InetAddress address) {
    return table.addresses().contains(address);
  }

  private static String normalise(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }

  private static List<InetAddress> preferV4(List<InetAddress> hosts) {
    final java.util.ArrayList<InetAddress> out = new java.util.ArrayList<>(hosts.size());
    for (InetAddress a : hosts) {
      if (a instanceof Inet4Address) {
        out.add(a);
      }
    }
    for (InetAddress a : hosts) {
      if (!(a instanceof Inet4Address)) {
        out.add(a);
      }
    }
    return List.copyOf(out);
  }
}
