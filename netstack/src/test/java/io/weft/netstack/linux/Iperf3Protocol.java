package io.weft.netstack.linux;

import io.weft.netstack.TcpConnection;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of the iperf3 control protocol (esnet/iperf, {@code iperf_api.h}, {@code
 * iperf_server_api.c}, {@code iperf_client_api.c}) that a TCP test needs, so the netstack can be
 * the server or the client of the real {@code iperf3}.
 *
 * <p>One control connection carries a 37-byte cookie from the client, then single signed bytes
 * naming the next state, and JSON documents framed by a 4-byte big-endian length. Data streams are
 * further connections to the same port, each opening with the same cookie. The order: client
 * cookie; server PARAM_EXCHANGE, client parameters; server CREATE_STREAMS, client connects the
 * streams; server TEST_START, TEST_RUNNING; data; client TEST_END; server EXCHANGE_RESULTS, client
 * results, server results; server DISPLAY_RESULTS; client IPERF_DONE.
 */
final class Iperf3Protocol {
  // States (iperf_api.h)
  static final byte TEST_START = 1;
  static final byte TEST_RUNNING = 2;
  static final byte TEST_END = 4;
  static final byte PARAM_EXCHANGE = 9;
  static final byte CREATE_STREAMS = 10;
  static final byte CLIENT_TERMINATE = 12;
  static final byte EXCHANGE_RESULTS = 13;
  static final byte DISPLAY_RESULTS = 14;
  static final byte IPERF_DONE = 16;
  static final byte ACCESS_DENIED = -1;
  static final byte SERVER_ERROR = -2;

  /** 36 characters and a NUL (iperf.h COOKIE_SIZE). */
  static final int COOKIE_SIZE = 37;

  static final int DEFAULT_PORT = 5201;

  /** iperf3's default TCP block size, 128 KiB. */
  static final int DEFAULT_BLOCK = 128 * 1024;

  private static final int MAX_JSON = 1 << 20;
  private static final String COOKIE_CHARS = "abcdefghijklmnopqrstuvwxyz234567";

  private Iperf3Protocol() {}

  static byte[] newCookie() {
    final SecureRandom random = new SecureRandom();
    final byte[] cookie = new byte[COOKIE_SIZE];
    for (int i = 0; i < COOKIE_SIZE - 1; i++) {
      cookie[i] = (byte) COOKIE_CHARS.charAt(random.nextInt(COOKIE_CHARS.length()));
    }
    return cookie;
  }

  static void writeState(TcpConnection c, byte state) throws IOException {
    c.writeFully(ByteBuffer.wrap(new byte[] {state}));
  }

  static byte readState(TcpConnection c) throws IOException {
    return readFully(c, 1)[0];
  }

  static void writeJson(TcpConnection c, String json) throws IOException {
    final byte[] body = json.getBytes(StandardCharsets.UTF_8);
    final ByteBuffer framed = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body);
    c.writeFully(framed.flip());
  }

  static String readJson(TcpConnection c) throws IOException {
    final int length = ByteBuffer.wrap(readFully(c, 4)).getInt();
    if (length < 0 || length > MAX_JSON) {
      throw new IOException("iperf3 JSON length " + length);
    }
    return new String(readFully(c, length), StandardCharsets.UTF_8);
  }

  static byte[] readFully(TcpConnection c, int n) throws IOException {
    final ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      if (c.readBlocking(b) < 0) {
        throw new EOFException("iperf3 peer closed after " + b.position() + " of " + n + " bytes");
      }
    }
    return b.array();
  }

  /**
   * The results document one side sends the other: one stream per entry of {@code bytes}, with
   * iperf3's stream ids (1, then 3, 4, ...: {@code iperf_add_stream} skips 2).
   */
  static String results(long[] bytes, double seconds, boolean sender) {
    final StringBuilder json =
        new StringBuilder(
                "{\"cpu_util_total\":0,\"cpu_util_user\":0,\"cpu_util_system\":0,\"sender_has_retransmits\":")
            .append(sender ? -1 : 0)
            .append(",\"streams\":[");
    for (int i = 0; i < bytes.length; i++) {
      if (i > 0) {
        json.append(',');
      }
      json.append("{\"id\":")
          .append(streamId(i))
          .append(",\"bytes\":")
          .append(bytes[i])
          .append(
              ",\"retransmits\":-1,\"jitter\":0,\"errors\":0,\"packets\":0,\"start_time\":0,\"end_time\":")
          .append(String.format(Locale.ROOT, "%.6f", seconds))
          .append('}');
    }
    return json.append("]}").toString();
  }

  static int streamId(int index) {
    return index == 0 ? 1 : index + 2;
  }

  /**
   * A number or boolean member of a flat JSON document, or null (enough for iperf3's documents).
   */
  static String member(String json, String name) {
    final Matcher m =
        Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*(-?[0-9.eE+]+|true|false)")
            .matcher(json);
    return m.find() ? m.group(1) : null;
  }

  static long longMember(String json, String name, long absent) {
    final String v = member(json, name);
    if (v == null) {
      return absent;
    }
    return v.equals("true") ? 1 : v.equals("false") ? 0 : (long) Double.parseDouble(v);
  }

  /** Sum of every {@code "bytes"} member (the streams of a results document). */
  static long sumBytes(String json) {
    final Matcher m = Pattern.compile("\"bytes\"\\s*:\\s*([0-9]+)").matcher(json);
    long sum = 0;
    while (m.find()) {
      sum += Long.parseLong(m.group(1));
    }
    return sum;
  }
}
