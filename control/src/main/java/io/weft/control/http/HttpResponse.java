package io.weft.control.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A response, or a switch to another protocol on the same connection. */
public final class HttpResponse {
  /** Runs the upgraded protocol on the raw connection; the connection closes when it returns. */
  @FunctionalInterface
  public interface Upgraded {
    void run(InputStream in, OutputStream out) throws IOException;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  final int status;
  final Map<String, String> headers = new LinkedHashMap<>();
  final byte[] body;
  final Upgraded upgraded;

  private HttpResponse(int status, byte[] body, Upgraded upgraded) {
    this.status = status;
    this.body = body;
    this.upgraded = upgraded;
  }

  /** A JSON body serialised from {@code value}. */
  public static HttpResponse json(int status, Object value) {
    try {
      return new HttpResponse(status, JSON.writeValueAsBytes(value), null)
          .header("Content-Type", "application/json");
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not serialisable as JSON", e);
    }
  }

  /** A plain-text body. */
  public static HttpResponse text(int status, String text) {
    return new HttpResponse(status, text.getBytes(StandardCharsets.UTF_8), null)
        .header("Content-Type", "text/plain; charset=utf-8");
  }

  /** An HTML body. */
  public static HttpResponse html(int status, String html) {
    return new HttpResponse(status, html.getBytes(StandardCharsets.UTF_8), null)
        .header("Content-Type", "text/html; charset=utf-8");
  }

  /** A JSON error {@code {"error": reason}}: the reason says what was wrong with the request. */
  public static HttpResponse error(int status, String reason) {
    return json(status, Map.of("error", reason));
  }

  /** A {@code 302 Found} to {@code location}. */
  public static HttpResponse redirect(String location) {
    return new HttpResponse(302, new byte[0], null).header("Location", location);
  }

  /** {@code 101 Switching Protocols} to {@code token}, then {@code protocol} on the connection. */
  public static HttpResponse upgrade(String token, Upgraded protocol) {
    return new HttpResponse(101, new byte[0], protocol)
        .header("Upgrade", token)
        .header("Connection", "Upgrade");
  }

  /** Adds a header. */
  public HttpResponse header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  /** The status code. */
  public int status() {
    return status;
  }

  /** The body bytes. */
  public byte[] body() {
    return body.clone();
  }
}
