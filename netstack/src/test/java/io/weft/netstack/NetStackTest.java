package io.weft.netstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.netstack.iface.InterfaceConfig;
import io.weft.netstack.phy.LoopbackPair;
import io.weft.netstack.tcp.TcpState;
import io.weft.netstack.wire.IpAddress;
import io.weft.testing.Await;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The blocking and non-blocking API between two stacks joined by a loopback pair (real threads and
 * time).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NetStackTest {
  private static final InetAddress A = InetAddress.ofLiteral("10.0.0.1");
  private static final InetAddress B = InetAddress.ofLiteral("10.0.0.2");
  private static final InetAddress B6 = InetAddress.ofLiteral("fd00::2");
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private NetStack a;
  private NetStack b;

  @BeforeEach
  void setUp() {
    LoopbackPair pair = new LoopbackPair(4096, 1420);
    a =
        new NetStack(
            NetStackConfig.of(InterfaceConfig.of(IpAddress.of(A), IpAddress.parse("fd00::1"))),
            pair.towardsB(),
            pair.towardsA());
    b =
        new NetStack(
            NetStackConfig.of(InterfaceConfig.of(IpAddress.of(B), IpAddress.of(B6))),
            pair.towardsA(),
            pair.towardsB());
  }

  @AfterEach
  void tearDown() {
    a.close();
    b.close();
  }

  @Test
  void shouldEchoAMegabyteThroughBlockingStreams() throws Exception {
    TcpServer server = b.listenTcp(7, 4);
    try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
      CompletableFuture<Void> echo =
          CompletableFuture.runAsync(
              () -> {
                try (TcpConnection c = server.accept(TIMEOUT)) {
                  c.inputStream().transferTo(c.outputStream());
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              },
              executor);
      byte[] data = new byte[1 << 20];
      new Random(1).nextBytes(data);
      TcpConnection client = a.dialTcp(new InetSocketAddress(B, 7), TIMEOUT);
      assertThat(client.state()).isEqualTo(TcpState.ESTABLISHED);
      CompletableFuture<byte[]> back =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return client.inputStream().readAllBytes();
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              },
              executor);
      OutputStream out = client.outputStream();
      out.write(data);
      out.close();
      byte[] received = back.get(20, TimeUnit.SECONDS);
      echo.get(20, TimeUnit.SECONDS);
      assertThat(MessageDigest.getInstance("SHA-256").digest(received))
          .isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
    }
  }

  @Test
  void shouldHalfCloseAndStillReceive() throws Exception {
    TcpServer server = b.listenTcp(8, 4);
    TcpConnection client = a.dialTcp(new InetSocketAddress(B6, 8), TIMEOUT);
    TcpConnection accepted = server.accept(TIMEOUT);
    client.outputStream().write("request".getBytes(StandardCharsets.US_ASCII));
    client.shutdownOutput();
    assertThat(new String(accepted.inputStream().readAllBytes(), StandardCharsets.US_ASCII))
        .isEqualTo("request");
    accepted.outputStream().write("reply".getBytes(StandardCharsets.US_ASCII));
    accepted.close();
    InputStream in = client.inputStream();
    assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("reply");
    assertThat(in.read()).isEqualTo(-1);
  }

  @Test
  void shouldReadWithoutBlockingAndTimeOutBlockingReads() throws Exception {
    TcpServer server = b.listenTcp(9, 4);
    TcpConnection client = a.dialTcp(new InetSocketAddress(B, 9), TIMEOUT);
    server.accept(TIMEOUT);
    assertThat(client.read(ByteBuffer.allocate(10))).isZero();
    client.setReadTimeout(Duration.ofMillis(100));
    assertThatThrownBy(() -> client.readBlocking(ByteBuffer.allocate(10)))
        .isInstanceOf(SocketTimeoutException.class);
  }

  @Test
  void shouldRefuseAConnectionToAClosedPort() {
    assertThatThrownBy(() -> a.dialTcp(new InetSocketAddress(B, 1234), TIMEOUT))
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("REFUSED");
  }

  @Test
  void shouldTimeOutADialToNowhere() {
    assertThatThrownBy(
            () ->
                a.dialTcp(
                    new InetSocketAddress(InetAddress.ofLiteral("10.9.9.9"), 80),
                    Duration.ofMillis(200)))
        .isInstanceOf(SocketTimeoutException.class);
  }

  @Test
  void shouldFailBlockedCallsWhenTheStackCloses() throws Exception {
    TcpServer server = b.listenTcp(10, 4);
    AtomicReference<Thread> acceptor = new AtomicReference<>();
    CompletableFuture<Throwable> blocked =
        CompletableFuture.supplyAsync(
            () -> {
              acceptor.set(Thread.currentThread());
              try {
                server.accept(null);
                return null;
              } catch (Exception e) {
                return e;
              }
            },
            Executors.newVirtualThreadPerTaskExecutor());
    Await.until("the acceptor started", TIMEOUT, () -> acceptor.get() != null);
    Await.untilParked(acceptor.get(), TIMEOUT);
    b.close();
    assertThat(blocked.get(5, TimeUnit.SECONDS)).isInstanceOf(java.io.IOException.class);
  }

  @Test
  void shouldWakeABlockedReaderWhenAnotherThreadAborts() throws Exception {
    TcpServer server = b.listenTcp(11, 4);
    TcpConnection client = a.dialTcp(new InetSocketAddress(B, 11), TIMEOUT);
    server.accept(TIMEOUT);
    AtomicReference<Thread> reader = new AtomicReference<>();
    CompletableFuture<Integer> blocked =
        CompletableFuture.supplyAsync(
            () -> {
              reader.set(Thread.currentThread());
              try {
                return client.readBlocking(ByteBuffer.allocate(10));
              } catch (Exception e) {
                return -2;
              }
            },
            Executors.newVirtualThreadPerTaskExecutor());
    Await.until("the reader started", TIMEOUT, () -> reader.get() != null);
    Await.untilParked(reader.get(), TIMEOUT);
    client.abort();
    assertThat(blocked.get(5, TimeUnit.SECONDS)).isEqualTo(-1);
  }

  @Test
  void shouldServeManyConcurrentConnections() throws Exception {
    TcpServer server = b.listenTcp(12, 64);
    try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
      executor.submit(
          () -> {
            for (int i = 0; i < 50; i++) {
              TcpConnection c = server.accept(TIMEOUT);
              executor.submit(
                  () -> {
                    c.inputStream().transferTo(c.outputStream());
                    c.close();
                    return null;
                  });
            }
            return null;
          });
      java.util.List<CompletableFuture<Boolean>> clients = new java.util.ArrayList<>();
      for (int i = 0; i < 50; i++) {
        final int n = i;
        clients.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try (TcpConnection c = a.dialTcp(new InetSocketAddress(B, 12), TIMEOUT)) {
                    byte[] msg = ("hello " + n).repeat(100).getBytes(StandardCharsets.US_ASCII);
                    c.outputStream().write(msg);
                    c.shutdownOutput();
                    return java.util.Arrays.equals(c.inputStream().readAllBytes(), msg);
                  } catch (Exception e) {
                    throw new RuntimeException(e);
                  }
                },
                executor));
      }
      for (CompletableFuture<Boolean> f : clients) {
        assertThat(f.get(20, TimeUnit.SECONDS)).isTrue();
      }
    }
  }

  @Test
  void shouldExchangeUdpDatagrams() throws Exception {
    UdpEndpoint server = b.openUdp(53);
    UdpEndpoint client = a.openUdp(0);
    client.send(
        ByteBuffer.wrap("query".getBytes(StandardCharsets.US_ASCII)), new InetSocketAddress(B, 53));
    ByteBuffer into = ByteBuffer.allocate(100);
    InetSocketAddress from = server.receive(into, TIMEOUT);
    assertThat(new String(into.array(), 0, into.position(), StandardCharsets.US_ASCII))
        .isEqualTo("query");
    assertThat(from.getAddress()).isEqualTo(A);
    server.send(ByteBuffer.wrap("answer".getBytes(StandardCharsets.US_ASCII)), from);
    ByteBuffer reply = ByteBuffer.allocate(100);
    assertThat(client.receive(reply, TIMEOUT).getPort()).isEqualTo(53);
    assertThat(reply.position()).isEqualTo(6);
  }

  @Test
  void shouldPingThePeerOverBothFamilies() throws Exception {
    assertThat(a.ping(B, TIMEOUT)).isLessThan(TIMEOUT);
    assertThat(a.ping(B6, TIMEOUT)).isLessThan(TIMEOUT);
    assertThat(b.stats().echoRequestsAnswered()).isEqualTo(2);
  }
}
