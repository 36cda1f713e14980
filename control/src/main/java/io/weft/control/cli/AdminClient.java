package io.weft.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A client of the admin API ({@code /admin/v1}) of a running server. Every failure becomes a {@link
 * Failure} with the reason to show and the exit code to return.
 */
final class AdminClient {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  /** Why a call failed, in words for the user, and the CLI's exit code. */
  static final class Failure extends Exception {
    private final int exitCode;

    Failure(int exitCode, String message) {
      super(message, null, false, false);
      this.exitCode = exitCode;
    }

    int exitCode() {
      return exitCode;
    }
  }

  private final URI server;
  private final String token;
  private final SSLContext tls;

  AdminClient(URI server, String token, SSLContext tls) {
    this.server = server;
    this.token = token;
    this.tls = tls;
  }

  /** An SSL context that trusts only the PEM certificates in {@code caFile}. */
  static SSLContext trusting(Path caFile) throws Failure {
    try (InputStream in = Files.newInputStream(caFile)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca" + i++, c);
      }
      if (i == 0) {
        throw new Failure(ControlCli.EXIT_USAGE, "no certificate in " + caFile);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new Failure(
          ControlCli.EXIT_USAGE,
          "cannot read the CA certificates in " + caFile + ": " + e.getMessage());
    }
  }

  JsonNode get(String path) throws Failure {
    return call("GET", path, null);
  }

  JsonNode post(String path, Object body) throws Failure {
    return call("POST", path, body);
  }

  JsonNode delete(String path) throws Failure {
    return call("DELETE", path, null);
  }

  private JsonNode call(String method, String path, Object body) throws Failure {
    URI uri = server.resolve(path);
    HttpRequest.BodyPublisher publisher;
    try {
      publisher =
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(TIMEOUT)
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .method(method, publisher)
            .build();
    HttpResponse<String> r;
    HttpClient.Builder builder =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT);
    if (tls != null) {
      builder.sslContext(tls);
    }
    try (HttpClient http = builder.build()) {
      r = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException | HttpConnectTimeoutException e) {
      throw new Failure(
          ControlCli.EXIT_UNREACHABLE,
          "cannot reach the control server at "
              + server
              + " ("
              + (e.getMessage() == null ? "connection refused" : e.getMessage())
              + ")");
    } catch (HttpTimeoutException e) {
      throw new Failure(
          ControlCli.EXIT_UNREACHABLE,
          "the control server at "
              + server
              + " did not answer within "
              + TIMEOUT.toSeconds()
              + " s");
    } catch (IOException e) {
      throw new Failure(
          ControlCli.EXIT_UNREACHABLE,
          "cannot talk to the control server at "
              + server
              + ": "
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure(ControlCli.EXIT_FAILED, "interrupted");
    }
    JsonNode doc;
    try {
      doc = r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
    } catch (IOException e) {
      doc = null;
    }
    int status = r.statusCode();
    if (status / 100 == 2 && doc != null) {
      return doc;
    }
    String reason =
        doc != null && doc.hasNonNull("error")
            ? doc.get("error").asText()
            : "HTTP " + status + " " + abbreviate(r.body());
    int exit =
        switch (status) {
          case 401, 403 -> ControlCli.EXIT_AUTH;
          default -> status / 100 == 4 ? ControlCli.EXIT_REFUSED : ControlCli.EXIT_FAILED;
        };
    throw new Failure(
        exit, "server refused " + method + " " + path + " (" + status + "): " + reason);
  }

  private static String abbreviate(String s) {
    String line = s.strip().replaceAll("\\s+", " ");
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }
}
