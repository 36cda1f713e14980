package io.weft.control.cli;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.weft.control.http.HttpLimits;
import io.weft.control.oidc.OidcConfig;
import io.weft.control.server.ControlConfig;
import io.weft.control.server.ControlServer;
import io.weft.control.server.EmbeddedRelay;
import io.weft.control.server.PrivateFile;
import io.weft.control.server.Quotas;
import io.weft.control.server.RelayMapFile;
import io.weft.control.server.TransportConfig;
import io.weft.wg.conn.RelayMap;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weft control serve}: runs a coordination server until SIGTERM/SIGINT (or, in process,
 * until the thread running it is interrupted). Prints where it listens and where its secrets are,
 * never the secrets.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Run a coordination server.")
final class ServeCommand implements Callable<Integer> {
  /** The admin token's file name in the data directory. */
  static final String TOKEN_FILE = "admin.token";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:8080",
      description = "Address to listen on (port 0: any free port; default ${DEFAULT-VALUE}).")
  String listen;

  @Option(
      names = "--public-url",
      paramLabel = "URL",
      description = "The URL nodes and browsers reach this server at (default: http://<listen>).")
  String publicUrl;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Directory of the server key, the admin token and the SQLite database (default ~/.weft-control).")
  Path dataDir;

  @Option(
      names = "--db",
      paramLabel = "JDBC-URL",
      description =
          "A database instead of SQLite in the data dir, e.g. jdbc:postgresql://host/weft.")
  String dbUrl;

  @Option(names = "--db-user", paramLabel = "USER", description = "Database user.")
  String dbUser;

  @Option(
      names = "--db-password-file",
      paramLabel = "FILE",
      description = "File holding the database password.")
  Path dbPasswordFile;

  @Option(
      names = "--admin-token-file",
      paramLabel = "FILE",
      description =
          "File holding the admin API token (default: <data dir>/"
              + TOKEN_FILE
              + ", generated if missing).")
  Path adminTokenFile;

  @Option(
      names = "--require-approval",
      description = "New nodes see no peers until an admin approves them.")
  boolean requireApproval;

  @Option(
      names = "--key-expiry",
      paramLabel = "DURATION",
      defaultValue = "180d",
      converter = DurationConverter.class,
      description = "Node key lifetime after login (like 90d, 12h; default ${DEFAULT-VALUE}).")
  Duration keyExpiry;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description = "Serve HTTPS with this PEM certificate chain (with --tls-key).")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "The PEM (PKCS#8) private key of --tls-cert.")
  Path tlsKey;

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      defaultValue = "" + HttpLimits.DEFAULT_MAX_CONNECTIONS,
      description = "Open connections in all, nodes' included (default ${DEFAULT-VALUE}).")
  int maxConnections;

  @Option(
      names = "--max-connections-per-address",
      paramLabel = "N",
      defaultValue = "" + HttpLimits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
      description = "Open connections from one source address (default ${DEFAULT-VALUE}).")
  int maxConnectionsPerAddress;

  @Option(
      names = "--oidc-issuer",
      paramLabel = "URL",
      description = "OpenID provider for interactive login.")
  String oidcIssuer;

  @Option(
      names = "--oidc-client-id",
      paramLabel = "ID",
      description = "Client id registered at the provider.")
  String oidcClientId;

  @Option(
      names = "--oidc-client-secret-file",
      paramLabel = "FILE",
      description = "File holding the client secret (none: a public client, PKCE only).")
  Path oidcClientSecretFile;

  @Option(
      names = "--oidc-domain",
      paramLabel = "NAME",
      defaultValue = "default",
      description = "Domain of users who log in through OIDC (default ${DEFAULT-VALUE}).")
  String oidcDomain;

  @Option(
      names = "--oidc-allowed-users",
      paramLabel = "EMAIL",
      split = ",",
      description = "Accounts admitted by verified email (comma-separated).")
  java.util.List<String> oidcAllowedUsers;

  @Option(
      names = "--oidc-allowed-domains",
      paramLabel = "DOMAIN",
      split = ",",
      description =
          "Accounts admitted by the domain of their verified email, like example.com (comma-separated).")
  java.util.List<String> oidcAllowedDomains;

  @Option(
      names = "--oidc-allowed-groups",
      paramLabel = "GROUP",
      split = ",",
      description = "Accounts admitted by membership of a group in the ID token (comma-separated).")
  java.util.List<String> oidcAllowedGroups;

  @Option(
      names = "--oidc-groups-claim",
      paramLabel = "CLAIM",
      defaultValue = OidcConfig.DEFAULT_GROUPS_CLAIM,
      description = "ID-token claim listing the account's groups (default ${DEFAULT-VALUE}).")
  String oidcGroupsClaim;

  @Option(
      names = "--oidc-allow-any",
      description =
          "Admit every account of the provider (without it, one of the"
              + " --oidc-allowed-* options is required).")
  boolean oidcAllowAny;

  @Option(
      names = "--max-nodes-per-domain",
      paramLabel = "N",
      defaultValue = "" + Quotas.DEFAULT_MAX_NODES_PER_DOMAIN,
      description =
          "Nodes one domain may hold (default ${DEFAULT-VALUE}; a full map of the largest domain must fit"
              + " in one message).")
  int maxNodesPerDomain;

  @Option(
      names = "--max-nodes-per-key",
      paramLabel = "N",
      defaultValue = "" + Quotas.DEFAULT_MAX_NODES_PER_KEY,
      description =
          "Nodes registered with one pre-auth key that may exist at once (default ${DEFAULT-VALUE}).")
  int maxNodesPerKey;

  @Option(
      names = "--relay-map",
      paramLabel = "FILE",
      description =
          "Relay map sent to nodes (JSON in Tailscale's DERPMap shape) instead of the embedded relay's.")
  Path relayMapFile;

  @Option(
      names = "--relay-listen",
      paramLabel = "HOST:PORT",
      description =
          "Address of the embedded relay (DERP over TCP, STUN over UDP; default: --listen's host, any free port).")
  String relayListen;

  @Option(names = "--no-relay", description = "Do not start the embedded relay.")
  boolean noRelay;

  /** The file the embedded relay's private key lives in (0600). */
  static final String RELAY_KEY_FILE = "relay.key";

  /** {@code ~/.weft-control}. */
  static Path defaultDataDir() {
    return Path.of(System.getProperty("user.home"), ".weft-control");
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = dataDir != null ? dataDir : defaultDataDir();
    createPrivateDirectory(dir);
    ControlConfig config =
        ControlConfig.defaults(dir)
            .withListen(parseListen(listen))
            .withPublicUrl(publicUrl == null ? null : publicUrl.replaceAll("/+$", ""))
            .withRequireApproval(requireApproval)
            .withKeyExpiry(keyExpiry);
    try {
      config =
          config.withQuotas(
              config
                  .quotas()
                  .withMaxNodesPerDomain(maxNodesPerDomain)
                  .withMaxNodesPerKey(maxNodesPerKey));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--max-nodes-per-*: " + e.getMessage());
    }
    if (dbUrl != null) {
      if (!dbUrl.startsWith("jdbc:sqlite:") && !dbUrl.startsWith("jdbc:postgresql:")) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--db must be a jdbc:sqlite: or jdbc:postgresql: URL");
      }
      config =
          config.withDatabase(
              dbUrl,
              dbUser,
              dbPasswordFile == null ? null : readSecret(dbPasswordFile, "--db-password-file"));
    }
    if (oidcIssuer != null || oidcClientId != null) {
      if (oidcIssuer == null || oidcClientId == null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--oidc-issuer and --oidc-client-id go together");
      }
      URI issuer;
      try {
        issuer = new URI(oidcIssuer);
      } catch (URISyntaxException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--oidc-issuer " + oidcIssuer + ": not a URL");
      }
      boolean plain = "http".equalsIgnoreCase(issuer.getScheme());
      if (!plain && !"https".equalsIgnoreCase(issuer.getScheme()) || issuer.getHost() == null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--oidc-issuer " + oidcIssuer + ": needs an https:// URL");
      }
      if (plain && !AdminCommands.Target.isLoopback(issuer.getHost())) {
        // Tokens and the client secret would cross the network in clear text.
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--oidc-issuer "
                + oidcIssuer
                + ": http:// is only allowed for a provider on this machine (loopback); use https://");
      }
      String secret =
          oidcClientSecretFile == null
              ? null
              : readSecret(oidcClientSecretFile, "--oidc-client-secret-file");
      OidcConfig oidc =
          new OidcConfig(
              oidcIssuer,
              oidcClientId,
              secret,
              null,
              oidcDomain,
              oidcAllowedUsers,
              oidcAllowedDomains,
              oidcAllowedGroups,
              oidcGroupsClaim,
              oidcAllowAny);
      if (!oidc.admitsAnyone()) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--oidc-issuer admits nobody without"
                + " --oidc-allowed-users, --oidc-allowed-domains or --oidc-allowed-groups (or, to admit every account"
                + " of the provider, --oidc-allow-any)");
      }
      config = config.withOidc(oidc);
    }
    Path tokenFile = adminTokenFile != null ? adminTokenFile : dir.resolve(TOKEN_FILE);
    boolean generated = false;
    if (adminTokenFile == null && !Files.exists(tokenFile)) {
      byte[] raw = new byte[32];
      new SecureRandom().nextBytes(raw);
      PrivateFile.write(
          tokenFile,
          "weft-admin-" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw) + "\n");
      generated = true;
    }
    config = config.withAdminToken(readSecret(tokenFile, "the admin token file"));

    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stop.countDown();
              try {
                stopped.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "weft-control-shutdown");
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--tls-cert and --tls-key go together");
    }
    if (maxConnections < 1 || maxConnectionsPerAddress < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "connection caps must be at least 1");
    }
    TransportConfig transport = TransportConfig.defaults().withTls(tlsCert, tlsKey);
    transport =
        transport.withHttp(
            transport.http().withConnectionCaps(maxConnections, maxConnectionsPerAddress));
    RelayMap fileMap = null;
    if (relayMapFile != null) {
      try {
        fileMap = RelayMapFile.read(relayMapFile);
      } catch (IOException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--relay-map " + e.getMessage());
      }
    }
    InetSocketAddress relayAt =
        noRelay
            ? null
            : relayListen != null
                ? parseListen(relayListen)
                : new InetSocketAddress(config.listen().getAddress(), 0);
    ControlServer server = ControlServer.start(config, transport);
    EmbeddedRelay relay = null;
    try {
      if (relayAt != null) {
        SslContext relayTls =
            tlsCert == null
                ? null
                : SslContextBuilder.forServer(tlsCert.toFile(), tlsKey.toFile()).build();
        relay =
            EmbeddedRelay.start(
                EmbeddedRelay.admission(server.registry()),
                dir.resolve(RELAY_KEY_FILE),
                relayAt,
                server.url().getHost(),
                relayTls);
      }
      server.setRelayMap(fileMap != null ? fileMap : relay != null ? relay.relayMap() : null);
      Runtime.getRuntime().addShutdownHook(hook);
      String url = server.url().toString();
      InetSocketAddress bound = server.listenAddress();
      out.println(
          "weft control: listening on "
              + bound.getHostString()
              + ":"
              + bound.getPort()
              + ", public URL "
              + url);
      out.println(
          "weft control: server key "
              + server.publicKey().toBase64()
              + " (served at "
              + url
              + "/key)");
      out.println("weft control: database " + describe(config.jdbcUrl()));
      out.println(
          "weft control: admin API at "
              + url
              + "/admin/v1/, token "
              + (generated ? "generated into " : "read from ")
              + tokenFile);
      if (relay != null) {
        out.println(
            "weft control: relay "
                + relay.server().publicKey()
                + " on "
                + relay.relayAddress().getHostString()
                + ":"
                + relay.relayAddress().getPort()
                + " (region "
                + EmbeddedRelay.REGION_ID
                + ", admits this server's nodes only)");
      } else {
        out.println("weft control: no embedded relay");
      }
      if (fileMap != null) {
        out.println(
            "weft control: relay map from "
                + relayMapFile
                + " ("
                + fileMap.regions().size()
                + " regions)");
      }
      if (config.oidc() != null) {
        out.println(
            "weft control: OIDC login via "
                + config.oidc().issuer()
                + ", callback "
                + url
                + "/oidc/callback");
      }
      if (server.listenAddress().getAddress().isAnyLocalAddress() && publicUrl == null) {
        out.println(
            "weft control: warning: listening on a wildcard address; give --public-url so nodes get a reachable URL");
      }
      out.flush();
      stop.await();
    } catch (InterruptedException e) {
      // Stopped in process: fall through to a clean close.
    } finally {
      if (relay != null) {
        relay.close();
      }
      server.close();
      out.println("weft control: stopped");
      out.flush();
      stopped.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down (SIGTERM): the hook is running.
      }
    }
    return ControlCli.EXIT_OK;
  }

  private InetSocketAddress parseListen(String value) {
    int colon = value.lastIndexOf(':');
    if (colon < 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--listen must be HOST:PORT: " + value);
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--listen port must be 0..65535: " + value);
    }
    return new InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host, port);
  }

  private String readSecret(Path file, String what) {
    try {
      String s = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (s.isEmpty()) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), what + " " + file + " is empty");
      }
      return s;
    } catch (IOException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "cannot read " + what + " " + file + ": " + e);
    }
  }

  private static void createPrivateDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    try {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (UnsupportedOperationException e) {
      Files.createDirectories(dir);
    }
  }

  /** The JDBC URL without anything after '?' (where a password could be). */
  private static String describe(String jdbcUrl) {
    int q = jdbcUrl.indexOf('?');
    return q < 0 ? jdbcUrl : jdbcUrl.substring(0, q) + "?...";
  }
}
