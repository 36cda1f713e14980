package io.weft.control.server;

import io.weft.control.client.ControlClient;
import io.weft.control.protocol.HostInfo;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.NetMap;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;

/** An in-process node: its three key pairs and a control connection. */
final class TestNode implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final SecureRandom RANDOM = new SecureRandom();

  final NoisePrivateKey machine = NoisePrivateKey.generate(RANDOM);
  NoisePrivateKey node = NoisePrivateKey.generate(RANDOM);
  NoisePrivateKey disco = NoisePrivateKey.generate(RANDOM);
  final String hostname;
  List<String> endpoints;
  ControlClient client;
  Message.RegisterResult registration;

  TestNode(String hostname, String endpoint) {
    this.hostname = hostname;
    this.endpoints = List.of(endpoint);
  }

  TestNode connect(ControlServer server) throws IOException {
    return connect(server, new NetMap());
  }

  TestNode connect(ControlServer server, NetMap keep) throws IOException {
    client = ControlClient.connect(server.url(), machine, server.publicKey(), keep);
    return this;
  }

  Message.RegisterResult register(String authKey) throws IOException {
    registration =
        client.register(
            node.publicKey(),
            null,
            disco.publicKey(),
            new HostInfo(hostname, "linux", endpoints),
            authKey,
            TIMEOUT);
    return registration;
  }

  NoisePublicKey rotateNodeKey() throws IOException {
    NoisePublicKey old = node.publicKey();
    node = NoisePrivateKey.generate(RANDOM);
    registration =
        client.register(
            node.publicKey(),
            old,
            disco.publicKey(),
            new HostInfo(hostname, "linux", endpoints),
            null,
            TIMEOUT);
    return node.publicKey();
  }

  long id() {
    return registration.self().id();
  }

  @Override
  public void close() throws IOException {
    if (client != null) {
      client.close();
    }
  }
}
