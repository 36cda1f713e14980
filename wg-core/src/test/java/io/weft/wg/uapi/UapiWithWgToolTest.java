package io.weft.wg.uapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.Await;
import io.weft.testing.Prerequisites;
import io.weft.wg.conn.UdpBind;
import io.weft.wg.device.Device;
import io.weft.wg.device.Peer;
import io.weft.wg.key.NoisePresharedKey;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.testing.MemoryTun;
import io.weft.wg.time.NanoClock;
import io.weft.wg.wire.Messages;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real wg(8) from wireguard-tools configures and reads a Weft device over the UAPI socket. */
class UapiWithWgToolTest {
  Device device;
  UapiServer server;
  String iface;
  @TempDir Path tmp;

  @BeforeEach
  void setUp() throws Exception {
    Prerequisites.requireRootAndTools("wg");
    iface = "wgt" + Integer.toHexString(new SecureRandom().nextInt(0xffff));
    device =
        new Device(new MemoryTun(1420), new UdpBind(), NanoClock.SYSTEM, System.getLogger("test"));
    device.up(false);
    server = UapiServer.start(new Uapi(device), UapiServer.DEFAULT_DIR, iface);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (server != null) {
      server.close();
    }
    if (device != null) {
      device.close();
    }
  }

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", String.join(" ", cmd), out).isZero();
    return out;
  }

  @Test
  void shouldBeConfiguredAndShownByWg() throws Exception {
    NoisePrivateKey priv = NoisePrivateKey.generate(new SecureRandom());
    NoisePrivateKey peerKey = NoisePrivateKey.generate(new SecureRandom());
    NoisePresharedKey psk = NoisePresharedKey.generate(new SecureRandom());
    Path keyFile = tmp.resolve("key");
    Path pskFile = tmp.resolve("psk");
    Files.writeString(keyFile, priv.toBase64() + "\n");
    Files.writeString(pskFile, psk.toBase64() + "\n");
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
    Files.setPosixFilePermissions(pskFile, PosixFilePermissions.fromString("rw-------"));
    String peerPub = peerKey.publicKey().toBase64();
    // The peer's endpoint is a socket of this test, so the initiation that turning on persistent
    // keepalive sends is seen arriving; no timer thread runs, so it is the only datagram.
    DatagramChannel sink =
        DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    String endpoint = "127.0.0.1:" + ((InetSocketAddress) sink.getLocalAddress()).getPort();

    run(
        "wg",
        "set",
        iface,
        "private-key",
        keyFile.toString(),
        "listen-port",
        "0",
        "peer",
        peerPub,
        "preshared-key",
        pskFile.toString(),
        "endpoint",
        endpoint,
        "persistent-keepalive",
        "25",
        "allowed-ips",
        "10.7.0.2/32,fd00:7::2/128");

    assertThat(device.publicKey()).isEqualTo(priv.publicKey());
    Peer peer = device.peer(peerKey.publicKey());
    assertThat(peer).isNotNull();
    assertThat(peer.endpoint().destinationString()).isEqualTo(endpoint);
    assertThat(peer.persistentKeepaliveSeconds()).isEqualTo(25);
    assertThat(device.allowedIps(peer))
        .extracting(Object::toString)
        .containsExactlyInAnyOrder("10.7.0.2/32", "fd00:7::2/128");

    sink.socket().setSoTimeout(10_000);
    DatagramPacket initiation = new DatagramPacket(new byte[256], 256);
    sink.socket().receive(initiation);
    sink.close();
    assertThat(initiation.getLength())
        .as("a handshake initiation")
        .isEqualTo(Messages.INITIATION_SIZE);
    assertThat(initiation.getData()[0]).isEqualTo((byte) 1);
    Await.until(
        "the initiation counted",
        Duration.ofSeconds(10),
        () -> peer.txBytes() == Messages.INITIATION_SIZE);

    String dump = run("wg", "show", iface, "dump");
    List<String> lines = dump.lines().toList();
    assertThat(lines).hasSize(2);
    String[] dev = lines.get(0).split("\t");
    assertThat(dev[0]).isEqualTo(priv.toBase64());
    assertThat(dev[1]).isEqualTo(priv.publicKey().toBase64());
    assertThat(Integer.parseInt(dev[2])).isEqualTo(device.listenPort());
    String[] p = lines.get(1).split("\t");
    assertThat(p[0]).isEqualTo(peerPub);
    assertThat(p[1]).isEqualTo(psk.toBase64());
    assertThat(p[2]).isEqualTo(endpoint);
    assertThat(p[3]).contains("10.7.0.2/32").contains("fd00:7::2/128");
    assertThat(p[4]).isEqualTo("0"); // latest handshake: none yet
    assertThat(Long.parseLong(p[5])).as("rx bytes: nothing came back").isZero();
    assertThat(Long.parseLong(p[6]))
        .as("tx bytes: the keepalive attempt's initiation")
        .isEqualTo(Messages.INITIATION_SIZE);
    assertThat(p[7]).isEqualTo("25");

    String conf = run("wg", "showconf", iface);
    assertThat(conf)
        .contains("PrivateKey = " + priv.toBase64())
        .contains("PublicKey = " + peerPub)
        .contains("PresharedKey = " + psk.toBase64())
        .contains("Endpoint = " + endpoint)
        .contains("PersistentKeepalive = 25");

    run("wg", "set", iface, "peer", peerPub, "allowed-ips", "10.8.0.0/24");
    assertThat(device.allowedIps(peer)).extracting(Object::toString).containsExactly("10.8.0.0/24");

    run("wg", "set", iface, "peer", peerPub, "remove");
    assertThat(device.peer(peerKey.publicKey())).isNull();
    assertThat(run("wg", "show", iface, "peers")).isBlank();
  }

  @Test
  void shouldAnswerBadInputWithErrnoAndKeepServing() throws Exception {
    try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      c.connect(UnixDomainSocketAddress.of(server.path()));
      Writer w = new OutputStreamWriter(Channels.newOutputStream(c), StandardCharsets.UTF_8);
      BufferedReader r =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
      w.write("set=1\nlisten_port=99999\n\n");
      w.flush();
      assertThat(r.readLine()).isEqualTo("errno=-22");
      assertThat(r.readLine()).isEmpty();
      w.write("set=1\nnot a line\n\n");
      w.flush();
      assertThat(r.readLine()).isEqualTo("errno=-71");
      assertThat(r.readLine()).isEmpty();
      w.write("set=1\npublic_key=zz\n\n");
      w.flush();
      assertThat(r.readLine()).isEqualTo("errno=-22");
      assertThat(r.readLine()).isEmpty();
      w.write("get=1\n\n");
      w.flush();
      String line;
      boolean sawPort = false;
      while (!(line = r.readLine()).startsWith("errno=")) {
        sawPort |= line.startsWith("listen_port=");
      }
      assertThat(line).isEqualTo("errno=0");
      assertThat(sawPort).isTrue();
    }
    assertThat(Files.getPosixFilePermissions(server.path()))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    run("wg", "show", iface);
  }
}
