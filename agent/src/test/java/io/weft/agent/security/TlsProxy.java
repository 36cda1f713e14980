package io.weft.agent.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A TLS front for a plain-HTTP coordination server (the real server's TLS comes separately): it
 * terminates TLS with a key store's certificate and relays bytes both ways, counting the
 * application bytes clients sent after their handshake.
 */
final class TlsProxy implements AutoCloseable {
  final AtomicLong applicationBytes = new AtomicLong();
  final AtomicInteger handshakes = new AtomicInteger();
  private final SSLServerSocket listener;
  private final InetSocketAddress backend;

  TlsProxy(Path keyStore, InetSocketAddress backend) throws Exception {
    this.backend = backend;
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keyStore)) {
      ks.load(in, TestCa.PASSWORD.toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, TestCa.PASSWORD.toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    listener =
        (SSLServerSocket)
            ctx.getServerSocketFactory()
                .createServerSocket(0, 16, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().name("tls-proxy").start(this::acceptLoop);
  }

  URI url(String host) {
    return URI.create("https://" + host + ":" + listener.getLocalPort());
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        SSLSocket s = (SSLSocket) listener.accept();
        Thread.ofVirtual().start(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(SSLSocket client) {
    try (client;
        Socket server = new Socket()) {
      client.startHandshake();
      handshakes.incrementAndGet();
      server.connect(backend, 5000);
      Thread back = Thread.ofVirtual().start(() -> pump(server, client, null));
      pump(client, server, applicationBytes);
      back.join(5000);
    } catch (IOException e) {
      // a client that failed the TLS check, or went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void pump(Socket from, Socket to, AtomicLong counter) {
    byte[] buf = new byte[16 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        if (counter != null) {
          counter.addAndGet(n);
        }
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side closed
    } finally {
      try {
        to.close();
        from.close();
      } catch (IOException e) {
        // closing
      }
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
  }
}
