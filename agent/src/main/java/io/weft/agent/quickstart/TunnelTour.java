package io.weft.agent.quickstart;

import io.weft.agent.userspace.NetstackTun;
import io.weft.netstack.NetStackConfig;
import io.weft.netstack.TcpConnection;
import io.weft.netstack.TcpServer;
import io.weft.netstack.iface.InterfaceConfig;
import io.weft.netstack.wire.IpAddress;
import io.weft.wg.conn.UdpBind;
import io.weft.wg.device.Device;
import io.weft.wg.device.Peer;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.time.NanoClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;

/**
 * Two Weft nodes in this process, without root: each a WireGuard device whose plaintext side is
 * Weft's userspace TCP/IP stack, talking over real UDP on loopback. Node B serves HTTP on its
 * tunnel address; node A fetches a file through the tunnel and checks its SHA-256.
 */
public final class TunnelTour {
  private static final int FILE_BYTES = 8 << 20;
  private final PrintWriter out;

  public TunnelTour(PrintWriter out) {
    this.out = out;
  }

  /** Runs the tour; returns whether the download arrived intact. */
  public boolean run() {
    out.println();
    out.println("WireGuard tunnel between two in-process nodes over loopback UDP, userspace TCP/IP inside:");
    SecureRandom random = new SecureRandom();
    NoisePrivateKey keyA = NoisePrivateKey.generate(random);
    NoisePrivateKey keyB = NoisePrivateKey.generate(random);
    System.Logger log = System.getLogger("weft.quickstart");
    NetstackTun tunA = tun("nodeA", "100.64.0.1", "fd7a:115c:a1e0::1");
    NetstackTun tunB = tun("nodeB", "100.64.0.2", "fd7a:115c:a1e0::2");
    try (Device a = new Device(tunA, new UdpBind(), NanoClock.SYSTEM, log);
        Device b = new Device(tunB, new UdpBind(), NanoClock.SYSTEM, log)) {
      a.setPrivateKey(keyA);
      b.setPrivateKey(keyB);
      a.up();
      b.up();
      Peer bOnA = a.addPeer(keyB.publicKey());
      Peer aOnB = b.addPeer(keyA.publicKey());
      a.addAllowedIp(bOnA, InetAddress.getByName("100.64.0.2").getAddress(), 32);
      b.addAllowedIp(aOnB, InetAddress.getByName("100.64.0.1").getAddress(), 32);
      bOnA.setEndpoint(a.parseEndpoint("127.0.0.1:" + b.listenPort()));
      aOnB.setEndpoint(b.parseEndpoint("127.0.0.1:" + a.listenPort()));
      out.printf("  node A %s  udp/%d  tunnel 100.64.0.1%n", keyA.publicKey(), a.listenPort());
      out.printf("  node B %s  udp/%d  tunnel 100.64.0.2%n", keyB.publicKey(), b.listenPort());

      byte[] file = new byte[FILE_BYTES];
      new Random(42).nextBytes(file);
      TcpServer server = tunB.stack().listenTcp(80, 4);
      Thread serving = Thread.ofVirtual().name("quickstart-http").start(() -> serve(server, file));

      long t0 = System.nanoTime();
      Duration rtt = tunA.stack().ping(InetAddress.getByName("100.64.0.2"), Duration.ofSeconds(10));
      long handshakeNanos = System.nanoTime() - t0;
      out.printf(Locale.ROOT, "  ping 100.64.0.2 through the tunnel: first reply after %.1f ms (handshake included), rtt %.2f ms%n",
          handshakeNanos / 1e6, rtt.toNanos() / 1e6);
      rtt = tunA.stack().ping(InetAddress.getByName("100.64.0.2"), Duration.ofSeconds(5));
      out.printf(Locale.ROOT, "  ping again: rtt %.2f ms%n", rtt.toNanos() / 1e6);

      long t1 = System.nanoTime();
      byte[] body = get(tunA, "100.64.0.2", 80, "/file.bin");
      double seconds = (System.nanoTime() - t1) / 1e9;
      boolean ok = sha256(body).equals(sha256(file));
      out.printf(Locale.ROOT, "  HTTP GET http://100.64.0.2/file.bin from node A: %,d bytes in %.2f s (%.0f Mbit/s), SHA-256 %s%n",
          body.length, seconds, body.length * 8 / seconds / 1e6, ok ? "matches" : "DIFFERS");
      out.printf(Locale.ROOT, "  node A's view of node B (as `wg show`): latest handshake %s, transfer %,d B received, %,d B sent%n",
          bOnA.lastHandshakeEpochNanos() > 0 ? "just now" : "never", bOnA.rxBytes(), bOnA.txBytes());
      server.close();
      serving.join(2000);
      return ok;
    } catch (IOException | InterruptedException e) {
      out.println("  FAILED: " + e);
      return false;
    } finally {
      tunA.close();
      tunB.close();
      out.flush();
    }
  }

  private static NetstackTun tun(String name, String v4, String v6) {
    InterfaceConfig cfg = InterfaceConfig.of(IpAddress.parse(v4), IpAddress.parse(v6));
    return new NetstackTun(name, NetStackConfig.of(cfg), 4096);
  }

  private static void serve(TcpServer server, byte[] file) {
    try (TcpConnection c = server.accept(Duration.ofSeconds(30))) {
      InputStream in = c.inputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        head.write(b);
        String s = head.toString(StandardCharsets.US_ASCII);
        if (s.endsWith("\r\n\r\n")) {
          break;
        }
      }
      OutputStream o = c.outputStream();
      o.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + file.length
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      o.write(file);
      o.flush();
      c.shutdownOutput();
      in.readAllBytes();
    } catch (IOException e) {
      // the client reports what it got
    }
  }

  private static byte[] get(NetstackTun tun, String host, int port, String path) throws IOException {
    try (TcpConnection c = tun.stack().dialTcp(new InetSocketAddress(InetAddress.getByName(host), port), Duration.ofSeconds(10))) {
      c.setReadTimeout(Duration.ofSeconds(30));
      OutputStream o = c.outputStream();
      o.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      o.flush();
      c.shutdownOutput();
      byte[] all = c.inputStream().readAllBytes();
      String text = new String(all, 0, Math.min(all.length, 512), StandardCharsets.US_ASCII);
      int end = text.indexOf("\r\n\r\n");
      if (!text.startsWith("HTTP/1.1 200") || end < 0) {
        throw new IOException("unexpected response: " + text.lines().findFirst().orElse(""));
      }
      return java.util.Arrays.copyOfRange(all, end + 4, all.length);
    }
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
