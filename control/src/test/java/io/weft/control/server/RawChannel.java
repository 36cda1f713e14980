package io.weft.control.server;

import io.weft.control.noise.NoiseIk;
import io.weft.control.noise.NoiseStream;
import io.weft.control.protocol.Protocol;
import io.weft.wg.key.NoisePrivateKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;

/**
 * A control channel driven byte by byte, for what the real client never sends: the upgrade and the
 * Noise handshake done by hand, then raw bytes, raw records or raw frames.
 */
final class RawChannel implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();

  final Socket socket;
  final InputStream rawIn;
  final OutputStream rawOut;
  final NoiseStream noise;

  private RawChannel(Socket socket, NoiseStream noise) throws IOException {
    this.socket = socket;
    this.rawIn = socket.getInputStream();
    this.rawOut = socket.getOutputStream();
    this.noise = noise;
  }

  /** Opens a socket and sends the upgrade request with {@code handshakeHeader} as is. */
  static Socket upgradeRequest(InetSocketAddress server, String handshakeHeader)
      throws IOException {
    Socket s = new Socket();
    s.connect(server, 5_000);
    s.setSoTimeout(10_000);
    String request =
        "POST "
            + Protocol.CONTROL_PATH
            + " HTTP/1.1\r\nHost: x\r\nUpgrade: "
            + Protocol.UPGRADE_TOKEN
            + "\r\nConnection: Upgrade\r\n"
            + Protocol.HANDSHAKE_HEADER
            + ": "
            + handshakeHeader
            + "\r\nContent-Length: 0\r\n\r\n";
    s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    return s;
  }

  /** The status line's code, after reading the response head. */
  static int readStatus(InputStream in) throws IOException {
    String status = readLine(in);
    for (String h = readLine(in); !h.isEmpty(); h = readLine(in)) {
      // Headers are not needed.
    }
    return Integer.parseInt(status.split(" ")[1]);
  }

  /** Completes the upgrade and the Noise handshake as a fresh machine. */
  static RawChannel open(ControlServer server) throws IOException {
    return open(server, NoisePrivateKey.generate(RANDOM));
  }

  static RawChannel open(ControlServer server, NoisePrivateKey machine) throws IOException {
    NoiseIk ik = NoiseIk.initiator(machine, server.publicKey(), Protocol.prologue(), RANDOM);
    Socket s =
        upgradeRequest(
            server.listenAddress(),
            Base64.getEncoder().encodeToString(ik.writeInitiation(new byte[0])));
    boolean ok = false;
    try {
      InputStream in = s.getInputStream();
      int code = readStatus(in);
      if (code != 101) {
        throw new IOException("upgrade refused: " + code);
      }
      byte[] response = in.readNBytes(NoiseIk.RESPONSE_OVERHEAD);
      ik.readResponse(response);
      RawChannel c = new RawChannel(s, new NoiseStream(ik.split(), in, s.getOutputStream()));
      ok = true;
      return c;
    } catch (io.weft.control.noise.HandshakeException e) {
      throw new IOException(e);
    } finally {
      if (!ok) {
        s.close();
      }
    }
  }

  /** Sends {@code payload} as one message frame (length prefix added) in one record. */
  void sendFrame(byte[] payload) throws IOException {
    OutputStream out = noise.out();
    int n = payload.length;
    out.write(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    out.write(payload);
    out.flush();
  }

  /** Sends {@code bytes} inside encrypted records (no message framing added). */
  void sendEncrypted(byte[] bytes) throws IOException {
    noise.out().write(bytes);
    noise.out().flush();
  }

  /** Sends {@code bytes} on the socket as they are. */
  void sendRaw(byte[] bytes) throws IOException {
    rawOut.write(bytes);
    rawOut.flush();
  }

  /**
   * Reads decrypted bytes until the server closes the channel, for at most {@code within}; returns
   * what arrived, or null if the channel was still open at the end.
   */
  byte[] awaitClosed(Duration within) throws IOException {
    socket.setSoTimeout((int) Math.max(1, within.toMillis()));
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      while (true) {
        int n = noise.in().read(buf);
        if (n < 0) {
          return got.toByteArray();
        }
        got.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      return null;
    } catch (SocketException | java.io.EOFException e) {
      return got.toByteArray();
    } catch (IOException e) {
      // A record that does not open (the server closed mid-record): closed all the same.
      return got.toByteArray();
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0 || sb.length() > 8192) {
        throw new IOException("malformed HTTP response");
      }
      if (b != '\r') {
        sb.append((char) b);
      }
    }
    return sb.toString();
  }
}
