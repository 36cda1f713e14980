package io.weft.control.server;

import static io.weft.control.server.TestNode.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.weft.control.protocol.HostInfo;
import io.weft.control.protocol.NetMap;
import io.weft.control.protocol.Node;
import io.weft.control.protocol.RegisterStatus;
import io.weft.wg.key.NoisePrivateKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,000 in-process nodes in four domains register at once; then one node per domain rotates its key
 * and changes its endpoints. Afterwards the database, its WAL and every log record are scanned for
 * private keys.
 */
class ThousandNodesTest {
  static final int NODES = 1000;
  static final int DOMAINS = 4;

  @TempDir Path dir;

  @Test
  void shouldRegisterAThousandNodesConcurrentlyAndStreamEachTheExactPeersOfItsDomain()
      throws Exception {
    ConcurrentLinkedQueue<String> logLines = new ConcurrentLinkedQueue<>();
    Logger root = Logger.getLogger("");
    Level oldLevel = root.getLevel();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            logLines.add(
                r.getMessage()
                    + " "
                    + (r.getParameters() == null ? "" : List.of(r.getParameters()))
                    + (r.getThrown() == null ? "" : " " + r.getThrown()));
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    capture.setLevel(Level.ALL);
    root.addHandler(capture);
    root.setLevel(Level.ALL);
    Logger.getLogger("io.weft").setLevel(Level.ALL);
    List<TestNode> nodes = new ArrayList<>();
    try (ControlServer server = ControlServer.start(ControlConfig.defaults(dir))) {
      String[] keys = new String[DOMAINS];
      for (int d = 0; d < DOMAINS; d++) {
        keys[d] =
            server
                .admin()
                .createPreAuthKey(
                    "domain" + d, null, true, false, false, List.of(), Duration.ofHours(1))
                .secret();
      }
      for (int i = 0; i < NODES; i++) {
        nodes.add(new TestNode("node" + i, "127.0.0.1:" + (20000 + i)));
      }
      List<Future<?>> joins = new ArrayList<>();
      try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < NODES; i++) {
          TestNode n = nodes.get(i);
          String key = keys[i % DOMAINS];
          joins.add(
              ex.submit(
                  () -> {
                    n.connect(server);
                    assertThat(n.register(key).status()).isEqualTo(RegisterStatus.AUTHORIZED);
                    n.client.subscribe();
                    return null;
                  }));
        }
      }
      for (Future<?> f : joins) {
        f.get();
      }

      Set<String> v4 = new HashSet<>();
      Set<String> v6 = new HashSet<>();
      Map<Integer, Set<Long>> domainMembers = new HashMap<>();
      for (int i = 0; i < NODES; i++) {
        Node self = nodes.get(i).registration.self();
        v4.add(self.addresses().get(0));
        v6.add(self.addresses().get(1));
        domainMembers.computeIfAbsent(i % DOMAINS, k -> new HashSet<>()).add(self.id());
      }
      assertThat(v4).hasSize(NODES);
      assertThat(v6).hasSize(NODES);

      for (int i = 0; i < NODES; i++) {
        TestNode n = nodes.get(i);
        Set<Long> expected = new HashSet<>(domainMembers.get(i % DOMAINS));
        expected.remove(n.id());
        NetMap m = n.client.awaitMap(map -> map.peers().keySet().equals(expected), TIMEOUT);
        assertThat(m.self().id()).isEqualTo(n.id());
        for (Node p : m.peers().values()) {
          TestNode owner = byId(nodes, p.id());
          assertThat(p.nodeKey()).isEqualTo(owner.node.publicKey().toBase64());
          assertThat(p.discoKey()).isEqualTo(owner.disco.publicKey().toBase64());
          assertThat(p.endpoints()).isEqualTo(owner.endpoints);
        }
      }

      // One node per domain rotates its key and moves its endpoints; every peer's stream sees both.
      for (int d = 0; d < DOMAINS; d++) {
        TestNode subject = nodes.get(d);
        subject.rotateNodeKey();
        subject.endpoints = List.of("127.0.0.1:" + (30000 + d));
        subject.client.updateHostInfo(
            null, new HostInfo(subject.hostname, "linux", subject.endpoints), TIMEOUT);
      }
      for (int i = 0; i < NODES; i++) {
        TestNode n = nodes.get(i);
        TestNode subject = nodes.get(i % DOMAINS);
        if (subject == n) {
          continue;
        }
        String newKey = subject.node.publicKey().toBase64();
        n.client.awaitMap(
            m -> {
              Node p = m.peers().get(subject.id());
              return p != null
                  && p.nodeKey().equals(newKey)
                  && p.endpoints().equals(subject.endpoints);
            },
            TIMEOUT);
        assertThat(n.client.mapMessageCounts()[1])
            .as("deltas only after the first full map")
            .isEqualTo(1);
      }

      for (TestNode n : nodes) {
        n.close();
      }
    } finally {
      root.removeHandler(capture);
      root.setLevel(oldLevel);
    }

    // No private key (node, disco, machine, or the server's) in the database, its WAL, or the logs.
    List<NoisePrivateKey> secrets = new ArrayList<>();
    for (TestNode n : nodes) {
      secrets.add(n.machine);
      secrets.add(n.node);
      secrets.add(n.disco);
    }
    String serverKeyText = Files.readString(dir.resolve("control.key")).strip();
    secrets.add(NoisePrivateKey.fromBase64(serverKeyText));
    StringBuilder haystack = new StringBuilder();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f :
          files.filter(p -> p.getFileName().toString().startsWith("weft-control.db")).toList()) {
        haystack.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
      }
    }
    assertThat(haystack.length()).as("database files read").isGreaterThan(100_000);
    String db = haystack.toString();
    String logs = String.join("\n", logLines);
    assertThat(logs).as("log records captured").isNotEmpty();
    for (NoisePrivateKey k : secrets) {
      for (String form :
          List.of(
              k.toBase64(), k.toHex(), new String(k.rawForCrypto(), StandardCharsets.ISO_8859_1))) {
        assertThat(db.contains(form)).as("private key in the database").isFalse();
        assertThat(logs.contains(form)).as("private key in the logs").isFalse();
      }
    }
    // Public keys are there, so the scan would have found the private ones.
    assertThat(db).contains(nodes.get(500).node.publicKey().toBase64());
  }

  private static TestNode byId(List<TestNode> nodes, long id) {
    for (TestNode n : nodes) {
      if (n.id() == id) {
        return n;
      }
    }
    throw new AssertionError("no node " + id);
  }
}
