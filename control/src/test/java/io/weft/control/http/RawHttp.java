package io.weft.control.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Raw bytes over a socket, for requests no well-behaved client would send. */
final class RawHttp {
  private RawHttp() {}

  /** What came back: the bytes until the server closed, and whether it did within the timeout. */
  record Answer(String text, boolean closed) {
    int status() {
      if (!text.startsWith("HTTP/1.1 ") || text.length() < 12) {
        return -1;
      }
      return Integer.parseInt(text.substring(9, 12));
    }
  }

  static Socket open(InetSocketAddress server) throws IOException {
    Socket s = new Socket();
    s.connect(server, 5_000);
    s.setSoTimeout(10_000);
    return s;
  }

  /** Sends {@code request} (ISO-8859-1) on a fresh connection and reads until the server closes. */
  static Answer exchange(InetSocketAddress server, String request) throws IOException {
    return exchange(server, request.getBytes(StandardCharsets.ISO_8859_1), false);
  }

  /**
   * Sends {@code bytes}, optionally half-closes, and reads until the server closes (10 s at most).
   */
  static Answer exchange(InetSocketAddress server, byte[] bytes, boolean halfClose)
      throws IOException {
    try (Socket s = open(server)) {
      try {
        s.getOutputStream().write(bytes);
        s.getOutputStream().flush();
        if (halfClose) {
          s.shutdownOutput();
        }
      } catch (SocketException e) {
        // The server may close before it has read everything: what it answered still counts.
      }
      return readToClose(s);
    }
  }

  /** Reads until the server closes the connection or 10 s pass. */
  static Answer readToClose(Socket s) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    InputStream in = s.getInputStream();
    byte[] buf = new byte[4096];
    boolean closed;
    try {
      while (true) {
        int n = in.read(buf);
        if (n < 0) {
          closed = true;
          break;
        }
        got.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      closed = false;
    } catch (SocketException e) {
      closed = true;
    }
    return new Answer(got.toString(StandardCharsets.ISO_8859_1), closed);
  }

  /** A well-formed request on a fresh connection; returns its status. */
  static int get(InetSocketAddress server, String path) throws IOException {
    return exchange(server, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .status();
  }
}
