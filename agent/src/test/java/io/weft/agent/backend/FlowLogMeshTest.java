package io.weft.agent.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.agent.flowlog.FlowLog;
import io.weft.agent.flowlog.FlowLogService;
import io.weft.agent.flowlog.FlowSpool;
import io.weft.control.client.ControlException;
import io.weft.control.flowlogs.FlowLogVerifier;
import io.weft.control.flowlogs.FlowLogs;
import io.weft.control.protocol.FlowRecord;
import io.weft.control.server.ControlConfig;
import io.weft.control.server.ControlServer;
import io.weft.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18 in userspace mode, no root: two nodes with an embedded coordination server log a TCP
 * transfer at both ends; the records are spooled while the server is down and across a restart of
 * the node's spool, uploaded over the control channel once it is back, and the collector's verify
 * pairs both ends with consistent counters and intact chains.
 */
class FlowLogMeshTest {
  static final Duration TIMEOUT = UserspaceMeshTest.TIMEOUT;

  @TempDir Path dir;
  ControlServer server;
  ControlConfig serverConfig;
  final List<Backend> backends = new ArrayList<>();
  final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable s : closing.reversed()) {
      s.close();
    }
    for (Backend b : backends) {
      b.close();
    }
    if (server != null) {
      server.close();
    }
  }

  void startServer() throws Exception {
    if (serverConfig == null) {
      server =
          ControlServer.start(
              ControlConfig.defaults(dir.resolve("control")).withAdminToken("admin"));
      serverConfig =
          ControlConfig.defaults(dir.resolve("control"))
              .withAdminToken("admin")
              .withListen(server.listenAddress());
    } else {
      server = ControlServer.start(serverConfig);
    }
  }

  Backend join(String name, String key) throws Exception {
    BackendConfig cfg =
        BackendConfig.userspace(dir.resolve(name), server.url(), key, name)
            .withAdvertise(List.of(InetAddress.getLoopbackAddress()))
            .withBackoff(Duration.ofMillis(20), Duration.ofMillis(300));
    Backend b = new Backend(cfg);
    backends.add(b);
    b.start();
    assertThat(b.awaitState(BackendState.RUNNING, TIMEOUT))
        .as("%s running; %s", name, b.status())
        .isTrue();
    closing.add(UserspaceMeshTest.serveHttp(UserspaceMeshTest.stack(b).listenTcp(80, 8)));
    return b;
  }

  FlowLogService flowLog(Backend b, String name) throws IOException {
    FlowSpool spool = new FlowSpool(dir.resolve(name).resolve("flowlog"), 16 << 20);
    FlowLog.Config cfg =
        new FlowLog.Config(
            1024,
            Duration.ofSeconds(60),
            Duration.ofSeconds(30),
            Duration.ofMinutes(5),
            Duration.ofMillis(500));
    FlowLog log = new FlowLog(cfg, System::currentTimeMillis, spool);
    log.attach(b.pipeline(), b.netMaps());
    FlowLogService s = new FlowLogService(log, spool, b::uploadFlowLogs);
    closing.add(s);
    return s;
  }

  @Test
  void shouldLogATransferAtBothEndsAndLoseNothingWhileTheCollectorIsDown() throws Exception {
    startServer();
    String key =
        server
            .admin()
            .createPreAuthKey("mesh", null, true, false, false, List.of(), Duration.ofHours(1))
            .secret();
    Backend a = join("alpha", key);
    Backend b = join("bravo", key);
    UserspaceMeshTest.awaitPeer(a, b);
    UserspaceMeshTest.awaitPeer(b, a);
    FlowLogService fa = flowLog(a, "alpha");
    FlowLogService fb = flowLog(b, "bravo");
    // Both logs know who is who before the traffic.
    Await.until("flow logs see the map", TIMEOUT, () -> a.netMap() != null && b.netMap() != null);

    // The collector goes away; the nodes keep talking.
    server.close();
    UserspaceMeshTest.awaitDisconnected(a);
    UserspaceMeshTest.awaitDisconnected(b);
    byte[] got = UserspaceMeshTest.get(a, b);
    assertThat(got).hasSize(UserspaceMeshTest.BLOB.length);
    // Once the closed connection has been quiet for the linger (its last ACKs may still be on
    // their way when get() returns), both ends write it.
    Await.until(
        "both ends spool the transfer",
        TIMEOUT,
        () -> {
          try {
            assertThat(fa.tick()).as("nothing can be sent").isZero();
            assertThat(fb.tick()).isZero();
            return !fa.spool().pending().isEmpty() && !fb.spool().pending().isEmpty();
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });

    // Alpha's node restarts its flow log (a new spool object on the same files) meanwhile.
    fa.close();
    closing.remove(fa);
    FlowLogService fa2 = flowLog(a, "alpha");
    assertThat(fa2.spool().pending()).isNotEmpty();

    // The collector is back: everything arrives once the nodes reconnect.
    startServer();
    UserspaceMeshTest.awaitConnected(a);
    UserspaceMeshTest.awaitConnected(b);
    Await.until(
        "both spools drained",
        TIMEOUT,
        () -> {
          try {
            fa2.tick();
            fb.tick();
            return fa2.spool().pending().isEmpty() && fb.spool().pending().isEmpty();
          } catch (IOException e) {
            return false;
          }
        });

    FlowLogs logs = server.flowLogs();
    List<FlowRecord> http = new ArrayList<>();
    for (FlowLogs.Stored s : logs.query(null, Long.MIN_VALUE, Long.MAX_VALUE)) {
      FlowRecord r = FlowRecord.fromJson(s.record());
      if (r.proto() == 6 && r.dport() == 80) {
        http.add(r);
      }
    }
    assertThat(http).as("the transfer, once at each end").hasSize(2);
    assertThat(http)
        .extracting(FlowRecord::node)
        .containsExactlyInAnyOrder(UserspaceMeshTest.id(a), UserspaceMeshTest.id(b));
    for (FlowRecord r : http) {
      assertThat(r.srcNode()).isEqualTo(UserspaceMeshTest.id(a));
      assertThat(r.dstNode()).isEqualTo(UserspaceMeshTest.id(b));
      assertThat(r.srcKey()).isEqualTo(a.status().nodeKey());
      assertThat(r.revBytes())
          .as("the blob came back")
          .isGreaterThan(UserspaceMeshTest.BLOB.length);
      assertThat(r.reason()).isIn("fin", "rst");
    }
    FlowLogVerifier.Report report = logs.verify(4, 0.01);
    assertThat(report.ok()).as(report.toText()).isTrue();
    assertThat(report.paired()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void shouldRefuseMalformedOversizedAndForeignUploadsOverTheControlChannelStoringNothing()
      throws Exception {
    startServer();
    String key =
        server
            .admin()
            .createPreAuthKey("mesh", null, true, false, false, List.of(), Duration.ofHours(1))
            .secret();
    Backend a = join("alpha", key);
    long me = UserspaceMeshTest.id(a);
    FlowRecord good =
        new FlowRecord(
            me,
            1,
            17,
            "100.64.0.1",
            1000,
            "100.64.0.2",
            53,
            me,
            null,
            null,
            0,
            null,
            null,
            1,
            2,
            1,
            29,
            0,
            0,
            "accepted",
            -1,
            "idle");
    assertThatThrownBy(() -> a.uploadFlowLogs("{\"seq\": \"x\"\n".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(ControlException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("line 1");
    assertThatThrownBy(
            () ->
                a.uploadFlowLogs(
                    ("x".repeat(FlowLogs.MAX_UPLOAD_CHARS + 1)).getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(ControlException.class, e -> assertThat(e.status()).isEqualTo(413))
        .hasMessageContaining("exceeds");
    FlowRecord foreign =
        new FlowRecord(
            me + 1,
            1,
            17,
            "100.64.0.9",
            1,
            "100.64.0.2",
            53,
            0,
            null,
            null,
            0,
            null,
            null,
            1,
            2,
            1,
            29,
            0,
            0,
            "accepted",
            -1,
            "idle");
    assertThatThrownBy(() -> a.uploadFlowLogs(foreign.toJson().getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(ControlException.class, e -> assertThat(e.status()).isEqualTo(403));
    assertThat(server.flowLogs().query(null, Long.MIN_VALUE, Long.MAX_VALUE))
        .as("nothing stored")
        .isEmpty();
    // The connection still serves: a good upload is stored.
    a.uploadFlowLogs((good.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
    assertThat(server.flowLogs().query((long) me, Long.MIN_VALUE, Long.MAX_VALUE)).hasSize(1);
  }

  @Test
  void backendShouldRunItsFlowLogAndUploadOnItsOwn() throws Exception {
    startServer();
    String key =
        server
            .admin()
            .createPreAuthKey("mesh", null, true, false, false, List.of(), Duration.ofHours(1))
            .secret();
    Backend a = join("alpha", key);
    Backend b = join("bravo", key);
    UserspaceMeshTest.awaitPeer(a, b);
    UserspaceMeshTest.awaitPeer(b, a);
    FlowLog.Config cfg =
        new FlowLog.Config(
            1024,
            Duration.ofSeconds(60),
            Duration.ofMillis(500),
            Duration.ofMinutes(5),
            Duration.ofMillis(500));
    FlowLogService fa = a.startFlowLogs(cfg, Duration.ofMillis(100));
    assertThat(a.startFlowLogs(cfg, Duration.ofMillis(100))).isSameAs(fa);
    b.startFlowLogs(cfg, Duration.ofMillis(100));
    assertThat(java.nio.file.Files.getPosixFilePermissions(dir.resolve("alpha").resolve("flowlog")))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    assertThat(UserspaceMeshTest.get(a, b)).hasSize(UserspaceMeshTest.BLOB.length);
    Await.until(
        "both ends of the transfer stored",
        TIMEOUT,
        () ->
            server.flowLogs().query(null, Long.MIN_VALUE, Long.MAX_VALUE).stream()
                    .filter(s -> s.record().contains("\"dport\":80,"))
                    .count()
                >= 2);
    FlowLogVerifier.Report report = server.flowLogs().verify(4, 0.01);
    assertThat(report.ok()).as(report.toText()).isTrue();

    // Alpha's filter denies everything now: bravo's pings are dropped, and alpha's record says so.
    a.packetFilter().update(List.of());
    assertThatThrownBy(
            () -> UserspaceMeshTest.stack(b).ping(UserspaceMeshTest.v4(a), Duration.ofMillis(300)))
        .isInstanceOf(IOException.class);
    Await.until(
        "the dropped pings stored",
        TIMEOUT,
        () ->
            server
                .flowLogs()
                .query(UserspaceMeshTest.id(a), Long.MIN_VALUE, Long.MAX_VALUE)
                .stream()
                .anyMatch(
                    s ->
                        s.record().contains("\"proto\":1,")
                            && s.record().contains("\"verdict\":\"dropped\"")));
  }
}
