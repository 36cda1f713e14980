package io.weft.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.weft.control.text.UntrustedText;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The admin subcommands: each is one or two calls to a running server's admin API. */
final class AdminCommands {
  private AdminCommands() {}

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm'Z'").withZone(ZoneOffset.UTC);

  /** Where the server is and how to authenticate to it. */
  static final class Target {
    @Option(
        names = {"-s", "--server"},
        paramLabel = "URL",
        defaultValue = "${env:WEFT_CONTROL_URL:-http://127.0.0.1:8080}",
        description = "The control server's URL (env WEFT_CONTROL_URL; default ${DEFAULT-VALUE}).")
    URI server;

    @Option(
        names = "--token-file",
        paramLabel = "FILE",
        description =
            "File holding the admin token (env WEFT_CONTROL_TOKEN_FILE; default "
                + "<data dir>/"
                + ServeCommand.TOKEN_FILE
                + " of `serve`'s default data dir).")
    Path tokenFile;

    @Option(
        names = "--cacert",
        paramLabel = "FILE",
        description = "PEM certificates to trust for an https:// server (default: the system's).")
    Path caCert;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    AdminClient client() throws AdminClient.Failure {
      if (server.getScheme() == null
          || !server.getScheme().matches("https?")
          || server.getHost() == null) {
        throw new AdminClient.Failure(
            ControlCli.EXIT_USAGE, "--server must be an http:// or https:// URL: " + server);
      }
      if (server.getScheme().equals("http") && !isLoopback(server.getHost())) {
        throw new AdminClient.Failure(
            ControlCli.EXIT_USAGE,
            "refusing to send the admin token in clear to "
                + server
                + ": use https:// (serve with --tls-cert/--tls-key) or a loopback address");
      }
      Path file = tokenFile;
      if (file == null) {
        String env = System.getenv("WEFT_CONTROL_TOKEN_FILE");
        file =
            env != null && !env.isBlank()
                ? Path.of(env)
                : ServeCommand.defaultDataDir().resolve(ServeCommand.TOKEN_FILE);
      }
      String token;
      try {
        token = Files.readString(file, StandardCharsets.UTF_8).strip();
      } catch (NoSuchFileException e) {
        throw new AdminClient.Failure(
            ControlCli.EXIT_AUTH, "no admin token file at " + file + " (give --token-file)");
      } catch (IOException e) {
        throw new AdminClient.Failure(
            ControlCli.EXIT_AUTH,
            "cannot read the admin token file " + file + ": " + e.getMessage());
      }
      if (token.isEmpty()) {
        throw new AdminClient.Failure(
            ControlCli.EXIT_AUTH, "the admin token file " + file + " is empty");
      }
      return new AdminClient(server, token, caCert == null ? null : AdminClient.trusting(caCert));
    }

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    /**
     * Whether {@code host} names this machine without a lookup: {@code localhost} or a loopback
     * literal.
     */
    static boolean isLoopback(String host) {
      String h =
          host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
      if (h.equalsIgnoreCase("localhost")) {
        return true;
      }
      if (!h.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
        return false;
      }
      try {
        return InetAddress.getByName(h).isLoopbackAddress();
      } catch (UnknownHostException e) {
        return false;
      }
    }
  }

  /** A listing: the server's JSON array at {@link #path}, as JSON or as a table of one row each. */
  abstract static class Listing implements Callable<Integer> {
    @Mixin Target target;

    @Option(names = "--json", description = "Print the server's JSON (an array).")
    boolean json;

    abstract String path();

    abstract String[] header();

    /** The table row of {@code item}; {@code domains} names domains by id, {@code now} is in ms. */
    abstract String[] row(JsonNode item, Map<Long, String> domains, long now);

    @Override
    public Integer call() throws AdminClient.Failure {
      AdminClient c = target.client();
      JsonNode items = c.get(path());
      if (json) {
        return printJson(target.out(), items);
      }
      Map<Long, String> domains = domainNames(c);
      long now = System.currentTimeMillis();
      List<String[]> rows = new ArrayList<>();
      rows.add(header());
      for (JsonNode item : items) {
        rows.add(row(item, domains, now));
      }
      printTable(target.out(), rows);
      return ControlCli.EXIT_OK;
    }

    static String domain(JsonNode item, Map<Long, String> domains) {
      return domains.getOrDefault(item.path("domainId").asLong(), item.path("domainId").asText());
    }
  }

  @Command(name = "users", mixinStandardHelpOptions = true, description = "List users.")
  static final class Users extends Listing {
    @Override
    String path() {
      return "/admin/v1/users";
    }

    @Override
    String[] header() {
      return new String[] {"ID", "DOMAIN", "LOGIN", "NAME", "CREATED"};
    }

    @Override
    String[] row(JsonNode u, Map<Long, String> domains, long now) {
      return new String[] {
        u.path("id").asText(),
        domain(u, domains),
        u.path("loginName").asText(),
        u.path("displayName").asText("-"),
        time(u.path("createdAt").asLong())
      };
    }
  }

  @Command(name = "nodes", mixinStandardHelpOptions = true, description = "List nodes.")
  static final class Nodes extends Listing {
    @Override
    String path() {
      return "/admin/v1/nodes";
    }

    @Override
    String[] header() {
      return new String[] {
        "ID", "NAME", "DOMAIN", "IPV4", "OS", "STATE", "KEY EXPIRY", "LAST SEEN"
      };
    }

    @Override
    String[] row(JsonNode n, Map<Long, String> domains, long now) {
      List<String> state = new ArrayList<>();
      state.add(n.path("online").asBoolean() ? "online" : "offline");
      if (!n.path("approved").asBoolean()) {
        state.add("unapproved");
      }
      if (n.path("keyExpiry").asLong() <= now) {
        state.add("expired");
      }
      if (n.path("ephemeral").asBoolean()) {
        state.add("ephemeral");
      }
      return new String[] {
        n.path("id").asText(),
        n.path("name").asText(),
        domain(n, domains),
        n.path("ipv4").asText(),
        n.path("os").asText(),
        String.join(",", state),
        time(n.path("keyExpiry").asLong()),
        time(n.path("lastSeen").asLong())
      };
    }
  }

  /** A command acting on one node, named by id, name or hostname. */
  abstract static class NodeAction implements Callable<Integer> {
    @Mixin Target target;

    @Parameters(index = "0", paramLabel = "NODE", description = "The node's id, name or hostname.")
    String node;

    @Override
    public Integer call() throws AdminClient.Failure {
      AdminClient c = target.client();
      JsonNode n = resolve(c, node);
      act(c, n.path("id").asLong());
      target.out().println(done(n.path("name").asText(), n.path("id").asLong()));
      return ControlCli.EXIT_OK;
    }

    abstract void act(AdminClient c, long id) throws AdminClient.Failure;

    abstract String done(String name, long id);
  }

  @Command(
      name = "approve",
      mixinStandardHelpOptions = true,
      description = "Approve a node: it and its peers see each other.")
  static final class Approve extends NodeAction {
    @Override
    void act(AdminClient c, long id) throws AdminClient.Failure {
      c.post("/admin/v1/nodes/" + id + "/approve", null);
    }

    @Override
    String done(String name, long id) {
      return "approved node " + id + " (" + name + ")";
    }
  }

  @Command(
      name = "expire",
      mixinStandardHelpOptions = true,
      description = "Expire a node's key now: it must log in again.")
  static final class Expire extends NodeAction {
    @Override
    void act(AdminClient c, long id) throws AdminClient.Failure {
      c.post("/admin/v1/nodes/" + id + "/expire", null);
    }

    @Override
    String done(String name, long id) {
      return "expired the key of node " + id + " (" + name + ")";
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete a node; its peers forget it.")
  static final class Delete extends NodeAction {
    @Override
    void act(AdminClient c, long id) throws AdminClient.Failure {
      c.delete("/admin/v1/nodes/" + id);
    }

    @Override
    String done(String name, long id) {
      return "deleted node " + id + " (" + name + ")";
    }
  }

  @Command(
      name = "rename",
      mixinStandardHelpOptions = true,
      description = "Give a node a new name (a DNS label).")
  static final class Rename implements Callable<Integer> {
    @Mixin Target target;

    @Parameters(index = "0", paramLabel = "NODE", description = "The node's id, name or hostname.")
    String node;

    @Parameters(
        index = "1",
        paramLabel = "NAME",
        description = "The new name: lower case letters, digits and '-'.")
    String name;

    @Override
    public Integer call() throws AdminClient.Failure {
      AdminClient c = target.client();
      JsonNode n = resolve(c, node);
      long id = n.path("id").asLong();
      c.post("/admin/v1/nodes/" + id + "/rename", Map.of("name", name));
      target
          .out()
          .println("renamed node " + id + " from " + n.path("name").asText() + " to " + name);
      return ControlCli.EXIT_OK;
    }
  }

  @Command(
      name = "authkey",
      mixinStandardHelpOptions = true,
      description = "Pre-auth keys: create, list, revoke.",
      subcommands = {AuthKeyCreate.class, AuthKeyList.class, AuthKeyRevoke.class})
  static final class AuthKey implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().usage(spec.commandLine().getErr());
      return ControlCli.EXIT_USAGE;
    }
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create a pre-auth key and print its secret (shown only once).")
  static final class AuthKeyCreate implements Callable<Integer> {
    @Mixin Target target;

    @Option(
        names = "--domain",
        defaultValue = "default",
        description = "Domain of the nodes (created if missing; default ${DEFAULT-VALUE}).")
    String domain;

    @Option(
        names = "--user",
        paramLabel = "LOGIN",
        description =
            "Owning user (created if missing); none: a key of the domain, for tagged devices.")
    String user;

    @Option(names = "--reusable", description = "May register any number of nodes (default: one).")
    boolean reusable;

    @Option(names = "--ephemeral", description = "Nodes are removed after going offline.")
    boolean ephemeral;

    @Option(names = "--preapproved", description = "Nodes need no admin approval.")
    boolean preApproved;

    @Option(
        names = "--tags",
        split = ",",
        paramLabel = "TAG",
        description = "Tags for the nodes, like tag:server.")
    List<String> tags = new ArrayList<>();

    @Option(
        names = "--expiry",
        defaultValue = "1h",
        converter = DurationConverter.class,
        description =
            "How long the key can be used (like 30m, 24h, 90d; default ${DEFAULT-VALUE}).")
    Duration expiry;

    @Option(names = "--json", description = "Print the server's JSON.")
    boolean json;

    @Override
    public Integer call() throws AdminClient.Failure {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("domain", domain);
      if (user != null) {
        body.put("user", user);
      }
      body.put("reusable", reusable);
      body.put("ephemeral", ephemeral);
      body.put("preApproved", preApproved);
      body.put("tags", tags);
      body.put("expiresInSeconds", expiry.toSeconds());
      JsonNode k = target.client().post("/admin/v1/preauthkeys", body);
      if (json) {
        return printJson(target.out(), k);
      }
      PrintWriter out = target.out();
      out.println(k.path("key").asText());
      out.println(
          "# pre-auth key "
              + k.path("id").asText()
              + " for domain "
              + domain
              + ", "
              + (reusable ? "reusable" : "one-off")
              + (ephemeral ? ", ephemeral" : "")
              + (preApproved ? ", pre-approved" : "")
              + (tags.isEmpty() ? "" : ", tags " + String.join(",", tags))
              + ", expires "
              + time(k.path("expiresAt").asLong()));
      return ControlCli.EXIT_OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List pre-auth keys (never their secrets).")
  static final class AuthKeyList extends Listing {
    @Override
    String path() {
      return "/admin/v1/preauthkeys";
    }

    @Override
    String[] header() {
      return new String[] {"ID", "PREFIX", "DOMAIN", "KIND", "TAGS", "USED", "EXPIRES", "STATE"};
    }

    @Override
    String[] row(JsonNode k, Map<Long, String> domains, long now) {
      List<String> kind = new ArrayList<>();
      kind.add(k.path("reusable").asBoolean() ? "reusable" : "one-off");
      if (k.path("ephemeral").asBoolean()) {
        kind.add("ephemeral");
      }
      if (k.path("preApproved").asBoolean()) {
        kind.add("pre-approved");
      }
      List<String> tags = new ArrayList<>();
      k.path("tags").forEach(t -> tags.add(t.asText()));
      String state =
          k.path("revoked").asBoolean()
              ? "revoked"
              : k.path("expiresAt").asLong() <= now
                  ? "expired"
                  : !k.path("reusable").asBoolean() && k.path("usedCount").asInt() > 0
                      ? "used"
                      : "valid";
      return new String[] {
        k.path("id").asText(),
        k.path("prefix").asText(),
        domain(k, domains),
        String.join(",", kind),
        tags.isEmpty() ? "-" : String.join(",", tags),
        k.path("usedCount").asText(),
        time(k.path("expiresAt").asLong()),
        state
      };
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description = "Revoke a pre-auth key: it registers no more nodes.")
  static final class AuthKeyRevoke implements Callable<Integer> {
    @Mixin Target target;

    @Parameters(index = "0", paramLabel = "ID", description = "The key's id (see `authkey list`).")
    long id;

    @Override
    public Integer call() throws AdminClient.Failure {
      target.client().post("/admin/v1/preauthkeys/" + id + "/revoke", null);
      target.out().println("revoked pre-auth key " + id);
      return ControlCli.EXIT_OK;
    }
  }

  // ---- shared ----

  /** The node named by {@code ref}: an id, else a unique name, else a unique hostname. */
  static JsonNode resolve(AdminClient c, String ref) throws AdminClient.Failure {
    JsonNode nodes = c.get("/admin/v1/nodes");
    if (ref.matches("\\d{1,18}")) {
      long id = Long.parseLong(ref);
      for (JsonNode n : nodes) {
        if (n.path("id").asLong() == id) {
          return n;
        }
      }
    }
    for (String field : List.of("name", "hostname")) {
      List<JsonNode> found = new ArrayList<>();
      for (JsonNode n : nodes) {
        if (n.path(field).asText().equals(ref)) {
          found.add(n);
        }
      }
      if (found.size() == 1) {
        return found.getFirst();
      }
      if (found.size() > 1) {
        List<String> ids = new ArrayList<>();
        found.forEach(n -> ids.add(n.path("id").asText()));
        throw new AdminClient.Failure(
            ControlCli.EXIT_REFUSED,
            "'"
                + ref
                + "' is the "
                + field
                + " of several nodes (ids "
                + String.join(", ", ids)
                + "); give an id");
      }
    }
    throw new AdminClient.Failure(
        ControlCli.EXIT_REFUSED, "no node with id, name or hostname '" + ref + "'");
  }

  private static Map<Long, String> domainNames(AdminClient c) throws AdminClient.Failure {
    Map<Long, String> names = new HashMap<>();
    for (JsonNode d : c.get("/admin/v1/domains")) {
      names.put(d.path("id").asLong(), d.path("name").asText());
    }
    return names;
  }

  private static int printJson(PrintWriter out, JsonNode doc) {
    try {
      // Every non-ASCII character as \\uXXXX: no C1 control or bidi override reaches the terminal.
      out.println(
          AdminClient.JSON
              .writerWithDefaultPrettyPrinter()
              .with(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII)
              .writeValueAsString(doc));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return ControlCli.EXIT_OK;
  }

  private static String time(long epochMillis) {
    return epochMillis <= 0 ? "-" : TIME.format(Instant.ofEpochMilli(epochMillis));
  }

  /**
   * Prints rows in aligned columns; what nodes and the provider chose is escaped for the terminal.
   */
  private static void printTable(PrintWriter out, List<String[]> rows) {
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        r[i] = UntrustedText.escape(r[i]);
      }
    }
    int[] width = new int[rows.getFirst().length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        sb.append(r[i]);
        if (i < r.length - 1) {
          sb.append(" ".repeat(width[i] - r[i].length() + 2));
        }
      }
      out.println(sb);
    }
  }
}
