package io.weft.control.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.weft.wg.allowedips.Prefix;
import io.weft.wg.key.DiscoPublicKey;
import io.weft.wg.key.MachinePublicKey;
import io.weft.wg.key.NoisePublicKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A node as the map shows it: public keys only, addresses, endpoints and state. The wire form
 * carries keys and addresses as text; the typed views ({@link #nodePublicKey()}, {@link
 * #discoPublicKey()}, {@link #machinePublicKey()}, {@link #hosts()}, {@link #endpointAddresses()})
 * parse them once here, so no consumer re-parses strings, and skip what is malformed.
 *
 * @param addresses the node's IPv4 /32 and IPv6 /128
 * @param keyExpiry when the node key expires, epoch milliseconds
 * @param lastSeen when the node was last connected, epoch milliseconds
 */
public record Node(
    long id,
    String name,
    String hostname,
    String user,
    String nodeKey,
    String discoKey,
    String machineKey,
    List<String> addresses,
    List<String> endpoints,
    boolean online,
    long lastSeen,
    long keyExpiry,
    boolean expired,
    boolean approved,
    List<String> tags) {

  public Node {
    addresses = addresses == null ? List.of() : List.copyOf(addresses);
    endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    tags = tags == null ? List.of() : List.copyOf(tags);
  }

  /** This node with {@code p}'s non-null fields applied. */
  public Node patched(PeerPatch p) {
    return new Node(
        id,
        p.name() != null ? p.name() : name,
        hostname,
        user,
        p.nodeKey() != null ? p.nodeKey() : nodeKey,
        p.discoKey() != null ? p.discoKey() : discoKey,
        machineKey,
        addresses,
        p.endpoints() != null ? p.endpoints() : endpoints,
        p.online() != null ? p.online() : online,
        p.lastSeen() != null ? p.lastSeen() : lastSeen,
        p.keyExpiry() != null ? p.keyExpiry() : keyExpiry,
        p.expired() != null ? p.expired() : expired,
        approved,
        p.tags() != null ? p.tags() : tags);
  }

  /** The node key (its WireGuard identity), or null when absent or malformed. */
  @JsonIgnore
  public NoisePublicKey nodePublicKey() {
    try {
      return nodeKey == null ? null : NoisePublicKey.fromBase64(nodeKey);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The disco key, or null when absent or malformed. */
  @JsonIgnore
  public DiscoPublicKey discoPublicKey() {
    try {
      return discoKey == null ? null : DiscoPublicKey.fromBase64(discoKey);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The machine key, or null when absent or malformed. */
  @JsonIgnore
  public MachinePublicKey machinePublicKey() {
    try {
      return machineKey == null ? null : MachinePublicKey.fromBase64(machineKey);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The host addresses of {@link #addresses()} ({@code 100.64.0.1/32} gives 100.64.0.1). */
  @JsonIgnore
  public List<InetAddress> hosts() {
    return hostsOf(addresses);
  }

  /** {@link #endpoints()} as socket addresses (numeric {@code host:port}, {@code [v6]:port}). */
  @JsonIgnore
  public List<InetSocketAddress> endpointAddresses() {
    List<InetSocketAddress> out = new ArrayList<>(endpoints.size());
    for (String e : endpoints) {
      InetSocketAddress a = socketAddress(e);
      if (a != null) {
        out.add(a);
      }
    }
    return List.copyOf(out);
  }

  /**
   * The host parts of {@code prefixes} ({@code address/bits} or a bare address), malformed skipped.
   */
  public static List<InetAddress> hostsOf(List<String> prefixes) {
    List<InetAddress> out = new ArrayList<>(prefixes.size());
    for (String p : prefixes) {
      InetAddress a = host(p);
      if (a != null) {
        out.add(a);
      }
    }
    return List.copyOf(out);
  }

  /** The host part of {@code 100.64.0.1/32} or {@code fd7a::1/128}; null when malformed. */
  public static InetAddress host(String prefix) {
    if (prefix == null) {
      return null;
    }
    int slash = prefix.indexOf('/');
    return literal(slash < 0 ? prefix : prefix.substring(0, slash));
  }

  /** A strict numeric address (the allowed-IPs grammar: no short IPv4 forms, zones or names). */
  private static InetAddress literal(String host) {
    try {
      Prefix.parse(host + (host.indexOf(':') >= 0 ? "/128" : "/32"));
      return InetAddress.ofLiteral(host);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A numeric {@code host:port} or {@code [v6]:port}; null when malformed (never a DNS lookup). */
  public static InetSocketAddress socketAddress(String s) {
    if (s == null) {
      return null;
    }
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      return null;
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      return null;
    }
    InetAddress ip = literal(host);
    if (ip == null) {
      return null;
    }
    try {
      int port = Integer.parseInt(s.substring(colon + 1));
      return port < 1 || port > 65535 ? null : new InetSocketAddress(ip, port);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
