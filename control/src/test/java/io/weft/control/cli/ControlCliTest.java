package io.weft.control.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.control.client.ControlClient;
import io.weft.control.protocol.HostInfo;
import io.weft.control.protocol.RegisterStatus;
import io.weft.wg.key.NoisePrivateKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weft control}, run in process against a server that {@code serve} started. */
class ControlCliTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final ObjectMapper JSON = new ObjectMapper();
  static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;
  final StringWriter serveOut = new StringWriter();
  final StringWriter serveErr = new StringWriter();
  final AtomicInteger serveExit = new AtomicInteger(-1);
  Thread serve;
  String url;

  /** What one CLI run printed and returned. */
  record Run(int exit, String out, String err) {}

  static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = ControlCli.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Run(rc, out.toString(), err.toString());
  }

  Run admin(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--server", url, "--token-file", dir.resolve("admin.token").toString()));
    return cli(all.toArray(String[]::new));
  }

  @BeforeEach
  void startServe() throws Exception {
    serve =
        Thread.ofPlatform()
            .name("serve")
            .start(
                () ->
                    serveExit.set(
                        ControlCli.run(
                            new String[] {
                              "serve",
                              "--data-dir",
                              dir.toString(),
                              "--listen",
                              "127.0.0.1:0",
                              "--require-approval",
                              "--key-expiry",
                              "30d"
                            },
                            new PrintWriter(serveOut),
                            new PrintWriter(serveErr))));
    Pattern publicUrl = Pattern.compile("public URL (http://\\S+)");
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (url == null) {
      Matcher m = publicUrl.matcher(serveOut.toString());
      if (m.find()) {
        url = m.group(1);
      } else if (!serve.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("serve did not start: " + serveOut + serveErr);
      } else {
        Thread.sleep(20);
      }
    }
  }

  @AfterEach
  void stopServe() throws Exception {
    serve.interrupt();
    serve.join(TIMEOUT.toMillis());
    assertThat(serve.isAlive()).isFalse();
  }

  @Test
  void shouldServeWithSecretsInPrivateFilesAndNeverPrintThemThenStopCleanly() throws Exception {
    Path token = dir.resolve("admin.token");
    assertThat(Files.getPosixFilePermissions(token))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getPosixFilePermissions(dir.resolve("control.key")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    String secret = Files.readString(token).strip();
    String serverKey = Files.readString(dir.resolve("control.key")).strip();
    assertThat(serveOut.toString())
        .contains("admin API at " + url + "/admin/v1/")
        .contains(token.toString());

    serve.interrupt();
    serve.join(TIMEOUT.toMillis());
    assertThat(serveExit.get()).isZero();
    assertThat(serveOut.toString()).endsWith("weft control: stopped" + System.lineSeparator());
    assertThat(serveOut + " " + serveErr).doesNotContain(secret).doesNotContain(serverKey);
    assertThat(cli("users", "--server", url, "--token-file", token.toString()).exit())
        .isEqualTo(ControlCli.EXIT_UNREACHABLE);
  }

  @Test
  void shouldCreateAKeyThenListApproveRenameExpireAndDeleteTheNodeItRegistered() throws Exception {
    Run created =
        admin(
            "authkey",
            "create",
            "--domain",
            "ops",
            "--reusable",
            "--tags",
            "tag:server,tag:web",
            "--expiry",
            "24h");
    assertThat(created.exit()).as(created.err()).isZero();
    String authKey = created.out().lines().findFirst().orElseThrow();
    assertThat(authKey).startsWith("weft-auth-");
    assertThat(created.out()).contains("reusable").contains("tag:server,tag:web");

    Run keys = admin("authkey", "list");
    assertThat(keys.exit()).isZero();
    assertThat(keys.out())
        .contains("ops")
        .contains("reusable")
        .contains("valid")
        .doesNotContain(authKey);

    NoisePrivateKey machine = NoisePrivateKey.generate(RANDOM);
    URI server = URI.create(url);
    try (ControlClient node =
        ControlClient.connect(server, machine, ControlClient.fetchServerKey(server))) {
      var r =
          node.register(
              NoisePrivateKey.generate(RANDOM).publicKey(),
              null,
              NoisePrivateKey.generate(RANDOM).publicKey(),
              new HostInfo("box", "linux", List.of("192.0.2.1:41641")),
              authKey,
              TIMEOUT);
      assertThat(r.status()).isEqualTo(RegisterStatus.AUTHORIZED);
      node.subscribe();
      assertThat(node.awaitMap(m -> m.self() != null, TIMEOUT).self().approved()).isFalse();

      Run listed = admin("nodes", "--json");
      assertThat(listed.exit()).as(listed.err()).isZero();
      JsonNode nodes = JSON.readTree(listed.out());
      assertThat(nodes).hasSize(1);
      JsonNode n = nodes.get(0);
      assertThat(n.get("hostname").asText()).isEqualTo("box");
      assertThat(n.get("approved").asBoolean()).isFalse();
      assertThat(n.get("tags"))
          .extracting(JsonNode::asText)
          .containsExactly("tag:server", "tag:web");
      long id = n.get("id").asLong();
      assertThat(admin("nodes").out())
          .contains("box")
          .contains("online,unapproved")
          .contains(n.get("ipv4").asText());

      assertThat(admin("approve", Long.toString(id)).exit()).isZero();
      node.awaitMap(m -> m.self().approved(), TIMEOUT);

      Run renamed = admin("rename", "box", "web-1");
      assertThat(renamed.exit()).as(renamed.err()).isZero();
      assertThat(renamed.out()).contains("renamed node " + id + " from box to web-1");
      node.awaitMap(m -> m.self().name().equals("web-1"), TIMEOUT);

      Run badName = admin("rename", "web-1", "Not A Label");
      assertThat(badName.exit()).isEqualTo(ControlCli.EXIT_REFUSED);
      assertThat(badName.err()).contains("(400)").contains("DNS label");

      assertThat(admin("expire", "web-1").exit()).isZero();
      node.awaitMap(m -> m.self().expired(), TIMEOUT);
      assertThat(admin("nodes").out()).contains("expired");

      Run users = admin("users");
      assertThat(users.exit()).isZero();
      assertThat(users.out()).contains("LOGIN");

      long keyId =
          JSON.readTree(admin("authkey", "list", "--json").out()).get(0).get("id").asLong();
      assertThat(admin("authkey", "revoke", Long.toString(keyId)).out())
          .contains("revoked pre-auth key " + keyId);
      assertThat(admin("authkey", "list").out()).contains("revoked");

      Run deleted = admin("delete", "web-1");
      assertThat(deleted.out()).contains("deleted node " + id + " (web-1)");
      assertThat(node.closed().get()).contains("node removed");
      assertThat(JSON.readTree(admin("nodes", "--json").out())).isEmpty();
    }
  }

  @Test
  void shouldEscapeControlCharactersThatOthersChoseBeforePrintingThem() throws Exception {
    // A user name with a terminal title escape, a C1 CSI and a bidi override, and a node whose OS
    // field carries a clear-screen sequence.
    String evil = "eve\u001b]0;pwned\u0007\u009b2J\u202egnp.exe";
    Run created = admin("authkey", "create", "--domain", "esc", "--user", evil);
    assertThat(created.exit()).as(created.err()).isZero();
    String authKey = created.out().lines().findFirst().orElseThrow();
    URI server = URI.create(url);
    try (ControlClient node =
        ControlClient.connect(
            server, NoisePrivateKey.generate(RANDOM), ControlClient.fetchServerKey(server))) {
      var r =
          node.register(
              NoisePrivateKey.generate(RANDOM).publicKey(),
              null,
              NoisePrivateKey.generate(RANDOM).publicKey(),
              new HostInfo("box", "linux\u001b[2J", List.of()),
              authKey,
              TIMEOUT);
      assertThat(r.status()).isEqualTo(RegisterStatus.AUTHORIZED);
    }
    for (Run run :
        List.of(
            admin("users"), admin("users", "--json"), admin("nodes"), admin("nodes", "--json"))) {
      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.out())
          .doesNotContain("\u001b")
          .doesNotContain("\u0007")
          .doesNotContain("\u009b")
          .doesNotContain("\u202e");
    }
    assertThat(admin("users").out()).contains("eve\\u001b]0;pwned\\u0007\\u009b2J\\u202egnp.exe");
  }

  @Test
  void shouldExplainAWrongTokenAnUnknownNodeAndAnUnreachableServerWithNonZeroExits()
      throws Exception {
    Path wrong = Files.writeString(dir.resolve("wrong.token"), "not-the-token\n");
    Run denied = cli("nodes", "--server", url, "--token-file", wrong.toString());
    assertThat(denied.exit()).isEqualTo(ControlCli.EXIT_AUTH);
    assertThat(denied.err()).contains("(401)").contains("wrong admin token");

    Run missing =
        cli("nodes", "--server", url, "--token-file", dir.resolve("absent.token").toString());
    assertThat(missing.exit()).isEqualTo(ControlCli.EXIT_AUTH);
    assertThat(missing.err()).contains("no admin token file");

    Run unknown = admin("approve", "ghost");
    assertThat(unknown.exit()).isEqualTo(ControlCli.EXIT_REFUSED);
    assertThat(unknown.err()).contains("no node with id, name or hostname 'ghost'");

    Run noKey = admin("authkey", "revoke", "4242");
    assertThat(noKey.exit()).isEqualTo(ControlCli.EXIT_REFUSED);
    assertThat(noKey.err()).contains("(404)").contains("no such pre-auth key");

    Run badTag = admin("authkey", "create", "--tags", "Bad Tag");
    assertThat(badTag.exit()).isEqualTo(ControlCli.EXIT_REFUSED);
    assertThat(badTag.err()).contains("(400)").contains("tag must look like tag:name");

    Run badExpiry = admin("authkey", "create", "--expiry", "soon");
    assertThat(badExpiry.exit()).isEqualTo(ControlCli.EXIT_USAGE);
    assertThat(badExpiry.err()).contains("'soon' is not a duration");

    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Run unreachable =
        cli(
            "nodes",
            "--server",
            "http://127.0.0.1:" + closedPort,
            "--token-file",
            dir.resolve("admin.token").toString());
    assertThat(unreachable.exit()).isEqualTo(ControlCli.EXIT_UNREACHABLE);
    assertThat(unreachable.err())
        .contains("cannot reach the control server at http://127.0.0.1:" + closedPort);
  }

  @Test
  void shouldSetTestGetAndListPolicyVersions() throws Exception {
    Path good = dir.resolve("policy.hujson");
    Files.writeString(
        good,
        """
        // web for everyone
        {"tagOwners": {"tag:web": ["alice@example.com"]},
         "acls": [{"action": "accept", "src": ["*"], "dst": ["tag:web:443"]}],
         "tests": [{"src": "bob@example.com", "accept": ["tag:web:443"]}],}
        """);
    Path failing = dir.resolve("failing.hujson");
    Files.writeString(
        failing,
        Files.readString(good).replace("\"dst\": [\"tag:web:443\"]", "\"dst\": [\"tag:web:80\"]"));

    assertThat(admin("policy", "test", good.toString()).out()).contains("policy.hujson: ok");
    Run set = admin("policy", "set", "--author", "alice", good.toString());
    assertThat(set.exit()).isEqualTo(ControlCli.EXIT_OK);
    assertThat(set.out()).contains("policy version 1 set for domain default");

    Run tested = admin("policy", "test", failing.toString());
    assertThat(tested.exit()).isEqualTo(ControlCli.EXIT_REFUSED);
    assertThat(tested.out()).contains("failing.hujson:4:").contains("tests[0] failed");
    Run refused = admin("policy", "set", "--author", "mallory", failing.toString());
    assertThat(refused.exit()).isEqualTo(ControlCli.EXIT_REFUSED);
    assertThat(refused.err()).contains("(400)").contains("policy refused: line 4");

    assertThat(admin("policy", "get").out()).isEqualTo(Files.readString(good));
    Run history = admin("policy", "history");
    assertThat(history.out().lines()).hasSize(2);
    assertThat(history.out()).contains("alice").doesNotContain("mallory");

    Run check = admin("policy", "check", "nowhere", "web:443");
    assertThat(check.exit()).isEqualTo(ControlCli.EXIT_REFUSED);
    assertThat(check.out())
        .isEqualTo("deny: no node named or addressed \"nowhere\"" + System.lineSeparator());
  }

  @Test
  void shouldRefuseToServeWithBadOptions() throws TimeoutException {
    Run port =
        cli("serve", "--data-dir", dir.resolve("other").toString(), "--listen", "127.0.0.1:99999");
    assertThat(port.exit()).isEqualTo(ControlCli.EXIT_USAGE);
    assertThat(port.err()).contains("--listen port must be 0..65535");
    Run oidc =
        cli(
            "serve",
            "--data-dir",
            dir.resolve("other").toString(),
            "--oidc-issuer",
            "http://127.0.0.1:1/");
    assertThat(oidc.exit()).isEqualTo(ControlCli.EXIT_USAGE);
    assertThat(oidc.err()).contains("--oidc-issuer and --oidc-client-id go together");
    Run open =
        cli(
            "serve",
            "--data-dir",
            dir.resolve("other").toString(),
            "--oidc-issuer",
            "http://127.0.0.1:1/",
            "--oidc-client-id",
            "weft");
    assertThat(open.exit())
        .as("an OIDC provider without an allow-list")
        .isEqualTo(ControlCli.EXIT_USAGE);
    assertThat(open.err()).contains("--oidc-allowed-users").contains("--oidc-allow-any");
    Run clear =
        cli(
            "serve",
            "--data-dir",
            dir.resolve("other").toString(),
            "--oidc-issuer",
            "http://idp.example.com/",
            "--oidc-client-id",
            "weft",
            "--oidc-allow-any");
    assertThat(clear.exit())
        .as("a plain-HTTP provider off this machine")
        .isEqualTo(ControlCli.EXIT_USAGE);
    assertThat(clear.err())
        .contains("--oidc-issuer http://idp.example.com/")
        .contains("use https://");
    Run odd =
        cli(
            "serve",
            "--data-dir",
            dir.resolve("other").toString(),
            "--oidc-issuer",
            "ftp://idp/",
            "--oidc-client-id",
            "weft",
            "--oidc-allow-any");
    assertThat(odd.exit()).isEqualTo(ControlCli.EXIT_USAGE);
    assertThat(odd.err()).contains("needs an https:// URL");
    Run db =
        cli("serve", "--data-dir", dir.resolve("other").toString(), "--db", "jdbc:mysql://x/y");
    assertThat(db.exit()).isEqualTo(ControlCli.EXIT_USAGE);
  }
}
