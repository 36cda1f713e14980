package io.weft.agent.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@code weft up --socks5 ADDR --http-proxy ADDR --forward RULE} asks for.
 *
 * @param socks5 where the SOCKS5 server listens, or null for none
 * @param httpProxy where the HTTP proxy listens, or null for none
 * @param forwards inbound forwarding rules
 * @param users SOCKS5 user names and passwords (empty: no authentication)
 * @param fallback what to do with destinations outside the mesh
 * @param limits bounds of every listener
 */
public record ProxyOptions(
    InetSocketAddress socks5,
    InetSocketAddress httpProxy,
    List<InboundForwarder.Rule> forwards,
    Map<String, String> users,
    MeshDialer.Fallback fallback,
    ProxyLimits limits) {

  public ProxyOptions {
    forwards = List.copyOf(forwards);
    users = Map.copyOf(users);
  }

  /** Nothing asked for. */
  public static final ProxyOptions NONE =
      new ProxyOptions(
          null, null, List.of(), Map.of(), MeshDialer.Fallback.REFUSE, ProxyLimits.DEFAULTS);

  public boolean isEmpty() {
    return socks5 == null && httpProxy == null && forwards.isEmpty();
  }

  public ProxyOptions withSocks5(InetSocketAddress a) {
    return new ProxyOptions(a, httpProxy, forwards, users, fallback, limits);
  }

  public ProxyOptions withHttpProxy(InetSocketAddress a) {
    return new ProxyOptions(socks5, a, forwards, users, fallback, limits);
  }

  public ProxyOptions withForwards(List<InboundForwarder.Rule> r) {
    return new ProxyOptions(socks5, httpProxy, r, users, fallback, limits);
  }

  public ProxyOptions withUsers(Map<String, String> u) {
    return new ProxyOptions(socks5, httpProxy, forwards, u, fallback, limits);
  }

  public ProxyOptions withFallback(MeshDialer.Fallback f) {
    return new ProxyOptions(socks5, httpProxy, forwards, users, f, limits);
  }

  public ProxyOptions withLimits(ProxyLimits l) {
    return new ProxyOptions(socks5, httpProxy, forwards, users, fallback, l);
  }

  /**
   * The options in {@code weft up}'s remembered preferences: {@code socks5} and {@code httpProxy}
   * as {@code IP:PORT} text, {@code forward} as an array of rules, {@code socks5Auth} as the path
   * of a users file, {@code proxyFallback} as {@code refuse} (the default) or {@code direct}.
   * Throws with a message naming the flag when one is malformed.
   */
  public static ProxyOptions fromPrefs(JsonNode prefs) {
    ProxyOptions o = NONE;
    try {
      if (prefs.hasNonNull("socks5")) {
        o = o.withSocks5(hostPort(prefs.get("socks5").asText()));
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--socks5: " + e.getMessage());
    }
    try {
      if (prefs.hasNonNull("httpProxy")) {
        o = o.withHttpProxy(hostPort(prefs.get("httpProxy").asText()));
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--http-proxy: " + e.getMessage());
    }
    final List<InboundForwarder.Rule> rules = new java.util.ArrayList<>();
    for (JsonNode f : prefs.path("forward")) {
      try {
        rules.add(InboundForwarder.Rule.parse(f.asText()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--forward: " + e.getMessage());
      }
    }
    if (prefs.hasNonNull("socks5Auth")) {
      o = o.withUsers(readUsers(Path.of(prefs.get("socks5Auth").asText())));
    }
    final String fallback = prefs.path("proxyFallback").asText("refuse");
    switch (fallback) {
      case "refuse" -> o = o.withFallback(MeshDialer.Fallback.REFUSE);
      case "direct" -> o = o.withFallback(MeshDialer.Fallback.DIRECT);
      default ->
          throw new IllegalArgumentException(
              "--proxy-fallback must be refuse or direct, not " + fallback);
    }
    return o.withForwards(rules);
  }

  /**
   * SOCKS5 users from a file of {@code user:password} lines ({@code #} comments and blank lines
   * skipped); the path, not the passwords, is what {@code weft up} remembers.
   */
  static Map<String, String> readUsers(Path file) {
    final java.util.HashMap<String, String> users = new java.util.HashMap<>();
    final List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--socks5-auth: cannot read " + file + ": " + e.getMessage());
    }
    for (int i = 0; i < lines.size(); i++) {
      final String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      final int colon = line.indexOf(':');
      final int userBytes =
          colon < 0 ? 0 : line.substring(0, colon).getBytes(StandardCharsets.UTF_8).length;
      final int passBytes =
          colon < 0 ? 0 : line.substring(colon + 1).getBytes(StandardCharsets.UTF_8).length;
      if (userBytes < 1 || userBytes > 255 || passBytes < 1 || passBytes > 255) {
        // The line number only: the line holds a password.
        throw new IllegalArgumentException(
            "--socks5-auth: "
                + file
                + " line "
                + (i + 1)
                + ": expected user:password, each 1 to 255 bytes");
      }
      users.put(line.substring(0, colon), line.substring(colon + 1));
    }
    if (users.isEmpty()) {
      throw new IllegalArgumentException("--socks5-auth: no users in " + file);
    }
    return users;
  }

  /**
   * {@code HOST:PORT} or {@code [V6]:PORT} with an IP literal host, or a bare {@code PORT} on
   * loopback.
   */
  public static InetSocketAddress hostPort(String s) {
    final int colon = s.lastIndexOf(':');
    if (colon < 0) {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), port(s, s));
    }
    final InetAddress a = MeshDialer.literal(s.substring(0, colon));
    if (a == null) {
      throw new IllegalArgumentException("expected IP:PORT, got " + s);
    }
    return new InetSocketAddress(a, port(s.substring(colon + 1), s));
  }

  static int port(String p, String whole) {
    try {
      final int n = Integer.parseInt(p);
      if (n >= 0 && n <= 65535) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new IllegalArgumentException("not a port in " + whole + ": " + p);
  }
}
