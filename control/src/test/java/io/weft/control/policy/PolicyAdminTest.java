package io.weft.control.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.control.http.HttpRequest;
import io.weft.control.http.HttpResponse;
import io.weft.control.store.Database;
import io.weft.control.store.Domains;
import io.weft.control.store.NodeRecord;
import io.weft.control.store.Nodes;
import io.weft.control.store.Users;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy admin endpoints against a real SQLite store with registered nodes. */
class PolicyAdminTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  private Database db;
  private PolicyAdmin admin;

  @BeforeEach
  void open() throws Exception {
    db = Database.sqlite(dir.resolve("weft.db"));
    admin = new PolicyAdmin(db, Clock.fixed(Instant.ofEpochMilli(5000), ZoneOffset.UTC));
    db.inTransaction(
        c -> {
          long domain = Domains.getOrCreate(c, "default", 1).id();
          long alice = Users.create(c, domain, "alice@example.com", "Alice", null, null, 1).id();
          Nodes.insert(c, node(domain, alice, "laptop", List.of(), 1));
          Nodes.insert(c, node(domain, alice, "web", List.of("tag:web"), 2));
          Nodes.insert(c, node(domain, null, "printer", List.of("tag:printer"), 3));
          return null;
        });
  }

  @AfterEach
  void close() {
    db.close();
  }

  private static NodeRecord node(long domain, Long user, String name, List<String> tags, int k) {
    String hex = String.format("%064x", k);
    return new NodeRecord(
        0,
        domain,
        user,
        "mk" + hex,
        "nk" + hex,
        "dk" + hex,
        name,
        name,
        "linux",
        List.of(),
        0,
        null,
        null,
        1,
        Long.MAX_VALUE,
        1,
        true,
        false,
        tags,
        true,
        null);
  }

  /** {status, doc}: the HTTP status and the JSON body. */
  private JsonNode call(String method, String path, Map<String, String> query, Object body)
      throws Exception {
    byte[] bytes = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
    HttpResponse r = admin.handle(new HttpRequest(method, path, query, Map.of(), bytes, null));
    JsonNode doc = JSON.readTree(new String(r.body(), StandardCharsets.UTF_8));
    return JSON.createObjectNode().put("status", r.status()).set("doc", doc);
  }

  @Test
  void shouldSetCheckAndListThroughTheAdminApi() throws Exception {
    String policy =
        """
        {"tagOwners": {"tag:web": ["alice@example.com"]},
         "acls": [{"action": "accept", "src": ["alice@example.com"], "dst": ["tag:web:443"]}]}
        """;
    assertThat(call("GET", "/admin/v1/policy", Map.of(), null).path("status").asInt())
        .isEqualTo(404);
    JsonNode set =
        call("POST", "/admin/v1/policy", Map.of(), Map.of("text", policy, "author", "alice"));
    assertThat(set.path("status").asInt()).isEqualTo(201);
    assertThat(set.path("doc").path("version").asInt()).isEqualTo(1);

    JsonNode ok =
        call(
            "POST",
            "/admin/v1/policy/check",
            Map.of(),
            Map.of("src", "laptop", "dst", "web:443/tcp"));
    assertThat(ok.path("doc").path("accepted").asBoolean()).isTrue();
    assertThat(ok.path("doc").path("rule").asText()).isEqualTo("acls[0] (line 2)");

    JsonNode port =
        call("POST", "/admin/v1/policy/check", Map.of(), Map.of("src", "laptop", "dst", "web:22"));
    assertThat(port.path("doc").path("reason").asText()).startsWith("wrong port: acls[0]");

    JsonNode printer =
        call(
            "POST", "/admin/v1/policy/check", Map.of(), Map.of("src", "printer", "dst", "web:443"));
    assertThat(printer.path("doc").path("reason").asText())
        .contains("tag not owned: printer carries tag:printer")
        .contains("peer not visible");

    JsonNode refused =
        call(
            "POST",
            "/admin/v1/policy",
            Map.of(),
            Map.of("text", "{\"acls\": [{\"action\": \"deny\"}]}"));
    assertThat(refused.path("status").asInt()).isEqualTo(400);
    assertThat(refused.path("doc").path("errors").get(0).path("line").asInt()).isEqualTo(1);

    JsonNode history = call("GET", "/admin/v1/policy/history", Map.of("domain", "default"), null);
    assertThat(history.path("doc")).hasSize(1);
    assertThat(history.path("doc").get(0).path("author").asText()).isEqualTo("alice");
    assertThat(history.path("doc").get(0).path("createdAt").asLong()).isEqualTo(5000);

    assertThat(call("POST", "/admin/v1/policy", Map.of(), null).path("status").asInt())
        .isEqualTo(400);
    assertThat(call("PUT", "/admin/v1/policy", Map.of(), null).path("status").asInt())
        .isEqualTo(405);
  }
}
