package io.weft.control.server;

import static io.weft.control.server.TestNode.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.control.protocol.RegisterStatus;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminApiTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  ControlServer server;
  HttpClient http;

  @BeforeEach
  void start() throws Exception {
    server =
        ControlServer.start(
            ControlConfig.defaults(dir).withAdminToken("s3cret-admin").withRequireApproval(true));
    http = HttpClient.newHttpClient();
  }

  @AfterEach
  void stop() {
    http.close();
    server.close();
  }

  HttpResponse<String> call(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(server.url().resolve(path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shouldRefuseRequestsWithoutTheRightTokenWithAReason() throws Exception {
    HttpResponse<String> none = call("GET", "/admin/v1/nodes", null, null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.body()).contains("Bearer");
    assertThat(call("GET", "/admin/v1/nodes", "wrong", null).statusCode()).isEqualTo(401);
    assertThat(call("GET", "/admin/v1/nodes", "s3cret-admin", null).statusCode()).isEqualTo(200);
  }

  @Test
  void shouldAnswerMalformedRequestsWithA4xxReason() throws Exception {
    String t = "s3cret-admin";
    assertThat(call("POST", "/admin/v1/preauthkeys", t, "{not json").body())
        .contains("not valid JSON");
    assertThat(call("POST", "/admin/v1/preauthkeys", t, "[]").statusCode()).isEqualTo(400);
    assertThat(call("POST", "/admin/v1/preauthkeys", t, "{}").body())
        .contains("'domain' is required");
    assertThat(
            call("POST", "/admin/v1/preauthkeys", t, "{\"domain\":\"d\",\"tags\":[\"Bad Tag\"]}")
                .statusCode())
        .isEqualTo(400);
    assertThat(
            call("POST", "/admin/v1/preauthkeys", t, "{\"domain\":\"d\",\"reusable\":\"yes\"}")
                .statusCode())
        .isEqualTo(400);
    assertThat(call("POST", "/admin/v1/nodes/99/approve", t, null).statusCode()).isEqualTo(404);
    assertThat(
            call("POST", "/admin/v1/nodes/99/rename", t, "{\"name\":\"Not A Label!\"}")
                .statusCode())
        .isEqualTo(400);
    assertThat(call("GET", "/admin/v1/nodes/1/approve", t, null).statusCode()).isEqualTo(405);
    assertThat(call("GET", "/admin/v1/elsewhere", t, null).statusCode()).isEqualTo(404);
    assertThat(call("GET", "/admin/v1/users", t, null).statusCode()).isEqualTo(200);
  }

  @Test
  void shouldCreateAKeyListApproveRenameExpireAndDeleteOverHttp() throws Exception {
    String t = "s3cret-admin";
    HttpResponse<String> created =
        call(
            "POST",
            "/admin/v1/preauthkeys",
            t,
            "{\"domain\":\"ops\",\"user\":\"ops@example.com\",\"reusable\":true,\"tags\":[\"tag:server\"]}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String secret = JSON.readTree(created.body()).get("key").asText();
    assertThat(call("GET", "/admin/v1/preauthkeys", t, null).body()).doesNotContain(secret);

    TestNode n = new TestNode("box", "127.0.0.1:1").connect(server);
    try {
      assertThat(n.register(secret).status()).isEqualTo(RegisterStatus.AUTHORIZED);
      n.client.subscribe();
      assertThat(n.client.awaitMap(m -> m.self() != null, TIMEOUT).self().approved()).isFalse();
      JsonNode nodes = JSON.readTree(call("GET", "/admin/v1/nodes", t, null).body());
      assertThat(nodes).hasSize(1);
      assertThat(nodes.get(0).get("tags").get(0).asText()).isEqualTo("tag:server");
      long id = nodes.get(0).get("id").asLong();
      assertThat(call("POST", "/admin/v1/nodes/" + id + "/approve", t, null).statusCode())
          .isEqualTo(200);
      n.client.awaitMap(m -> m.self().approved(), TIMEOUT);
      assertThat(
              call("POST", "/admin/v1/nodes/" + id + "/rename", t, "{\"name\":\"web-1\"}")
                  .statusCode())
          .isEqualTo(200);
      n.client.awaitMap(m -> m.self().name().equals("web-1"), TIMEOUT);
      assertThat(call("POST", "/admin/v1/nodes/" + id + "/expire", t, null).statusCode())
          .isEqualTo(200);
      n.client.awaitMap(m -> m.self().expired(), TIMEOUT);
      long keyId = JSON.readTree(created.body()).get("id").asLong();
      assertThat(call("POST", "/admin/v1/preauthkeys/" + keyId + "/revoke", t, null).statusCode())
          .isEqualTo(200);
      assertThat(n.register(secret).reason()).isEqualTo("pre-auth key revoked");
      assertThat(call("DELETE", "/admin/v1/nodes/" + id, t, null).statusCode()).isEqualTo(200);
      assertThat(n.client.closed().get()).contains("node removed");
      assertThat(
              JSON.readTree(call("GET", "/admin/v1/users", t, null).body())
                  .get(0)
                  .get("loginName")
                  .asText())
          .isEqualTo("ops@example.com");
    } finally {
      n.close();
    }
  }
}
