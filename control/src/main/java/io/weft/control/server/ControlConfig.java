package io.weft.control.server;

import io.weft.control.oidc.OidcConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * How a control server runs.
 *
 * @param listen address to bind (port 0: any free port)
 * @param publicUrl the URL nodes and browsers reach the server at, or null for {@code
 *     http://listen}
 * @param jdbcUrl {@code jdbc:sqlite:FILE} (default) or {@code jdbc:postgresql://...}
 * @param dbUser PostgreSQL user or null
 * @param dbPassword PostgreSQL password or null
 * @param keyFile where the server's Noise private key lives (created 0600 if missing; never in the
 *     database)
 * @param adminToken bearer token of the admin API, or null to disable it
 * @param keyExpiry how long a node key stays valid after login (default 180 days)
 * @param requireApproval whether new nodes wait for an admin before they see any peer
 * @param ephemeralGrace how long an ephemeral node may stay offline before it is removed
 * @param keepAlive idle interval after which a map stream gets a keepalive
 * @param oidc interactive login, or null to offer pre-auth keys only
 * @param clock wall clock for expiry and last-seen
 * @param quotas limits per domain, pre-auth key, node and source address
 */
public record ControlConfig(
    InetSocketAddress listen,
    String publicUrl,
    String jdbcUrl,
    String dbUser,
    String dbPassword,
    Path keyFile,
    String adminToken,
    Duration keyExpiry,
    boolean requireApproval,
    Duration ephemeralGrace,
    Duration keepAlive,
    OidcConfig oidc,
    Clock clock,
    Quotas quotas) {

  /** Default node key lifetime. */
  public static final Duration DEFAULT_KEY_EXPIRY = Duration.ofDays(180);

  /** Defaults on loopback with SQLite in {@code dir}. */
  public static ControlConfig defaults(Path dir) {
    return new ControlConfig(
        new InetSocketAddress("127.0.0.1", 0),
        null,
        "jdbc:sqlite:" + dir.resolve("weft-control.db").toAbsolutePath(),
        null,
        null,
        dir.resolve("control.key"),
        null,
        DEFAULT_KEY_EXPIRY,
        false,
        Duration.ofMinutes(5),
        Duration.ofSeconds(60),
        null,
        Clock.systemUTC(),
        Quotas.defaults());
  }

  /** The clock for expiry decisions (tests advance a manual one). */
  public ControlConfig withClock(Clock c) {
    return new ControlConfig(
        listen,
        publicUrl,
        jdbcUrl,
        dbUser,
        dbPassword,
        keyFile,
        adminToken,
        keyExpiry,
        requireApproval,
        ephemeralGrace,
        keepAlive,
        oidc,
        c,
        quotas);
  }

  public ControlConfig withAdminToken(String token) {
    return new ControlConfig(
        listen,
        publicUrl,
        jdbcUrl,
        dbUser,
        dbPassword,
        keyFile,
        token,
        keyExpiry,
        requireApproval,
        ephemeralGrace,
        keepAlive,
        oidc,
        clock,
        quotas);
  }

  public ControlConfig withRequireApproval(boolean require) {
    return new ControlConfig(
        listen,
        publicUrl,
        jdbcUrl,
        dbUser,
        dbPassword,
        keyFile,
        adminToken,
        keyExpiry,
        require,
        ephemeralGrace,
        keepAlive,
        oidc,
        clock,
        quotas);
  }

  public ControlConfig withEphemeralGrace(Duration grace) {
    return new ControlConfig(
        listen,
        publicUrl,
        jdbcUrl,
        dbUser,
        dbPassword,
        keyFile,
        adminToken,
        keyExpiry,
        requireApproval,
        grace,
        keepAlive,
        oidc,
        clock,
        quotas);
  }

  public ControlConfig withKeepAlive(Duration interval) {
    return new ControlConfig(
        listen,
        publicUrl,
        jdbcUrl,
        dbUser,
        dbPassword,
        keyFile,
        adminToken,
        keyExpiry,
        requireApproval,
        ephemeralGrace,
        interval,
        oidc,
        clock,
        quotas);
  }

  public ControlConfig withOidc(OidcConfig config) {
    return new ControlConfig(
        listen,
        publicUrl,
        jdbcUrl,
        dbUser,
        dbPassword,
        keyFile,
        adminToken,
        keyExpiry,
        requireApproval,
        ephemeralGrace,
        keepAlive,
        config,
        clock,
        quotas);
  }

  public ControlConfig withDatabase(String url, String user, String password) {
    return new ControlConfig(
        listen,
        publicUrl,
        url,
        user,
        password,
        keyFile,
        adminToken,
        keyExpiry,
        requireApproval,
        ephemeralGrace,
        keepAlive,
        oidc,
        clock,
        quotas);
  }

  public ControlConfig withKeyExpiry(Duration expiry) {
    return new ControlConfig(
        listen,
        publicUrl,
        jdbcUrl,
        dbUser,
        dbPassword,
        keyFile,
        adminToken,
        expiry,
        requireApproval,
        ephemeralGrace,
        keepAlive,
        oidc,
        clock,
        quotas);
  }

  public ControlConfig withQuotas(Quotas q) {
    return new ControlConfig(
        listen,
        publicUrl,
        jdbcUrl,
        dbUser,
        dbPassword,
        keyFile,
        adminToken,
        keyExpiry,
        requireApproval,
        ephemeralGrace,
        keepAlive,
        oidc,
        clock,
        q);
  }

  public ControlConfig withListen(InetSocketAddress address) {
    return new ControlConfig(
        address,
        publicUrl,
        jdbcUrl,
        dbUser,
        dbPassword,
        keyFile,
        adminToken,
        keyExpiry,
        requireApproval,
        ephemeralGrace,
        keepAlive,
        oidc,
        clock,
        quotas);
  }

  public ControlConfig withPublicUrl(String url) {
    return new ControlConfig(
        listen,
        url,
        jdbcUrl,
        dbUser,
        dbPassword,
        keyFile,
        adminToken,
        keyExpiry,
        requireApproval,
        ephemeralGrace,
        keepAlive,
        oidc,
        clock,
        quotas);
  }
}
