package io.weft.control.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.control.http.HttpLimits;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only a request that carries the admin token may make the server buffer more than a small body.
 */
class ControlServerBodyLimitTest {
  @TempDir Path dir;
  private ControlServer server;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    server =
        ControlServer.start(
            ControlConfig.defaults(dir).withAdminToken("s3cret-admin"), TransportConfig.defaults());
  }

  @AfterEach
  void stop() {
    http.close();
    server.close();
  }

  private int post(String path, String token, int bodyBytes) throws Exception {
    // A JSON object padded with spaces: valid for the admin API if it gets that far.
    String body = "{\"domain\":\"d\"}" + " ".repeat(Math.max(0, bodyBytes - 14));
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.url() + path))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  void shouldRefuseLargeBodiesWithoutTheAdminTokenBeforeBufferingThem() throws Exception {
    int small = HttpLimits.defaults().maxUnauthenticatedBodyBytes();
    assertThat(post("/admin/v1/preauthkeys", null, small * 4)).isEqualTo(413);
    assertThat(post("/admin/v1/preauthkeys", "wrong", small * 4)).isEqualTo(413);
    assertThat(post("/oidc/callback", null, small * 4)).isEqualTo(413);
    assertThat(post("/weft/control", null, small * 4)).isEqualTo(413);
    assertThat(post("/admin/v1/preauthkeys", null, small)).isEqualTo(401);
    assertThat(post("/admin/v1/preauthkeys", "s3cret-admin", small * 4)).isEqualTo(201);
    assertThat(server.http().malformedRequests()).isEqualTo(4);
  }
}
