package io.weft.control.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for {@code https://} login servers: the JDK's {@link SSLSocket} with host name verification
 * ({@code HTTPS} endpoint identification, RFC 2818/6125) against the system trust store or the CA
 * certificates of {@code --ca-file}. The handshake completes before the upgrade request (which
 * carries the Noise initiation, and later the pre-auth key) is written.
 */
public final class ControlTls {
  private ControlTls() {}

  /**
   * A context trusting exactly the PEM certificates in {@code caFile}; null for the system trust
   * store (what {@link ControlClient} uses when given null).
   */
  public static SSLContext context(Path caFile) throws IOException {
    if (caFile == null) {
      return null;
    }
    try (InputStream in = Files.newInputStream(caFile)) {
      Collection<? extends Certificate> certs =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new IOException("--ca-file " + caFile + ": no certificates in it");
      }
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        ks.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IOException("--ca-file " + caFile + ": " + e.getMessage(), e);
    }
  }

  /** Layers TLS over the connected {@code s} to {@code server} and completes the handshake. */
  static SSLSocket wrap(Socket s, URI server, SSLContext tls) throws IOException {
    SSLContext ctx;
    try {
      ctx = tls != null ? tls : SSLContext.getDefault();
    } catch (GeneralSecurityException e) {
      throw new IOException("no default TLS context: " + e.getMessage(), e);
    }
    String host = server.getHost();
    SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(s, host, s.getPort(), true);
    SSLParameters p = ssl.getSSLParameters();
    p.setEndpointIdentificationAlgorithm("HTTPS");
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (!isLiteral(bare)) {
      p.setServerNames(List.of(new SNIHostName(bare)));
    }
    ssl.setSSLParameters(p);
    try {
      ssl.startHandshake();
    } catch (SSLException e) {
      throw refused(server, e);
    }
    return ssl;
  }

  static ControlException refused(URI server, SSLException e) {
    return new ControlException(
        495,
        "TLS: cannot verify "
            + server.getHost()
            + " ("
            + e.getMessage()
            + "); nothing was sent. Use --ca-file for a private CA.");
  }

  private static boolean isLiteral(String host) {
    try {
      InetAddress.ofLiteral(host);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
