package io.weft.agent.security;

import io.weft.control.noise.CipherPair;
import io.weft.control.noise.HandshakeException;
import io.weft.control.noise.NoiseIk;
import io.weft.control.noise.NoiseStream;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.MessageCodec;
import io.weft.control.protocol.Node;
import io.weft.control.protocol.Protocol;
import io.weft.control.protocol.RegisterStatus;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A coordination server an attacker (or a misbehaving server) runs on loopback: it answers {@code
 * GET /key} with its own key; an upgrade sealed to that key gets a working channel where every
 * registration is accepted with {@code selfAddresses} and the map carries {@code peers}; an upgrade
 * sealed to another key (the pinned real one) gets what an on-path attacker answers, {@code 101}
 * and 48 bytes of noise, which today's client took as "the server was replaced".
 */
final class FakeControlServer implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();

  final NoisePrivateKey key = NoisePrivateKey.generate(RANDOM);
  final AtomicInteger keyRequests = new AtomicInteger();
  final AtomicInteger channels = new AtomicInteger();
  final AtomicInteger registrations = new AtomicInteger();
  private final List<String> selfAddresses;
  private final List<Node> peers;
  private final ServerSocket listener;

  FakeControlServer(InetSocketAddress bind, List<String> selfAddresses, List<Node> peers)
      throws IOException {
    this.selfAddresses = selfAddresses;
    this.peers = peers;
    listener = new ServerSocket();
    listener.setReuseAddress(true);
    listener.bind(bind == null ? new InetSocketAddress(InetAddress.getLoopbackAddress(), 0) : bind);
    Thread.ofVirtual().name("fake-control").start(this::acceptLoop);
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + listener.getLocalPort());
  }

  NoisePublicKey publicKey() {
    return key.publicKey();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket s = listener.accept();
        Thread.ofVirtual().start(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = new BufferedOutputStream(s.getOutputStream());
      String requestLine = line(in);
      String handshake = null;
      for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
        if (h.toLowerCase(Locale.ROOT)
            .startsWith(Protocol.HANDSHAKE_HEADER.toLowerCase(Locale.ROOT) + ":")) {
          handshake = h.substring(h.indexOf(':') + 1).strip();
        }
      }
      if (requestLine == null) {
        return;
      }
      if (requestLine.startsWith("GET " + Protocol.KEY_PATH + " ")) {
        keyRequests.incrementAndGet();
        byte[] body =
            ("{\"protocolVersion\":"
                    + Protocol.VERSION
                    + ",\"publicKey\":\""
                    + publicKey().toBase64()
                    + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        out.write(
            ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length
                    + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
        return;
      }
      out.write(
          ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
                  + Protocol.UPGRADE_TOKEN
                  + "\r\nConnection: Upgrade\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      NoiseIk noise = NoiseIk.responder(key, Protocol.prologue(), RANDOM);
      try {
        noise.readInitiation(Base64.getDecoder().decode(handshake == null ? "" : handshake));
      } catch (HandshakeException | IllegalArgumentException e) {
        byte[] garbage = new byte[NoiseIk.RESPONSE_OVERHEAD];
        RANDOM.nextBytes(garbage);
        out.write(garbage);
        out.flush();
        return;
      }
      String machine = noise.remoteStatic().toBase64();
      out.write(noise.writeResponse(new byte[0]));
      out.flush();
      CipherPair ciphers = noise.split();
      channels.incrementAndGet();
      NoiseStream stream = new NoiseStream(ciphers, in, out);
      Node self = null;
      while (true) {
        Message m = MessageCodec.read(stream.in());
        Message reply =
            switch (m) {
              case Message.Register r -> {
                registrations.incrementAndGet();
                self =
                    new Node(
                        1,
                        "self.fake",
                        r.hostInfo() == null ? "self" : r.hostInfo().hostname(),
                        "u",
                        r.nodeKey(),
                        r.discoKey(),
                        machine,
                        selfAddresses,
                        List.of(),
                        true,
                        0,
                        0,
                        false,
                        true,
                        List.of());
                yield new Message.RegisterResult(
                    r.id(), RegisterStatus.AUTHORIZED, null, self, null);
              }
              case Message.UpdateHostInfo u -> new Message.Ack(u.id());
              case Message.MapSubscribe sub ->
                  new Message.FullMap(1, "fake", 1, "fake", self, peers);
              default -> null;
            };
        if (reply != null) {
          MessageCodec.write(stream.out(), reply);
          stream.out().flush();
        }
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
      }
      if (c != '\r' && b.size() < 8192) {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    listener.close();
  }
}
