package io.weft.wg.uapi;

import io.weft.wg.allowedips.Prefix;
import io.weft.wg.conn.Endpoint;
import io.weft.wg.device.Device;
import io.weft.wg.device.Peer;
import io.weft.wg.key.NoisePresharedKey;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;

/**
 * The cross-platform configuration protocol of WireGuard's userspace implementations ({@code get=1}
 * / {@code set=1} with {@code key=value} lines; wireguard.com "Cross-platform Userspace
 * Implementation", wireguard-go {@code uapi.go}): the keys wireguard-go accepts and prints, in its
 * order, and its {@code errno=} replies. Pure text over a {@link Device}; {@link UapiServer} serves
 * it on a Unix socket.
 */
public final class Uapi {
  /** errno values as wireguard-go replies them (negated Linux errno). */
  public static final int ERR_IO = -5;

  public static final int ERR_PROTOCOL = -71;
  public static final int ERR_INVALID = -22;
  public static final int ERR_PORT_IN_USE = -98;

  private final Device device;
  private final Object lock = new Object();

  public Uapi(Device device) {
    this.device = device;
  }

  /** A set operation failed: its errno and the reason (logged, never sent to the client). */
  public static final class UapiException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int errno;

    UapiException(int errno, String message) {
      super(message);
      this.errno = errno;
    }

    /** The (negative) errno. */
    public int errno() {
      return errno;
    }
  }

  /** Writes the {@code get=1} reply body (without the final {@code errno=} line). */
  public void get(Writer out) throws IOException {
    StringBuilder b = new StringBuilder(512);
    synchronized (lock) {
      NoisePrivateKey k = device.privateKey();
      if (k != null) {
        b.append("private_key=").append(k.toHex()).append('\n');
      }
      if (device.listenPort() != 0) {
        b.append("listen_port=").append(device.listenPort()).append('\n');
      }
      if (device.fwmark() != 0) {
        b.append("fwmark=").append(Integer.toUnsignedString(device.fwmark())).append('\n');
      }
      for (Peer p : device.peers()) {
        b.append("public_key=").append(p.publicKey().toHex()).append('\n');
        b.append("preshared_key=").append(p.presharedKey().toHex()).append('\n');
        b.append("protocol_version=1\n");
        Endpoint ep = p.endpoint();
        if (ep != null && ep.destination() != null) { // a path without an address has no wg(8) form
          b.append("endpoint=").append(ep.destinationString()).append('\n');
        }
        long nanos = p.lastHandshakeEpochNanos();
        b.append("last_handshake_time_sec=").append(nanos / 1_000_000_000L).append('\n');
        b.append("last_handshake_time_nsec=").append(nanos % 1_000_000_000L).append('\n');
        b.append("tx_bytes=").append(p.txBytes()).append('\n');
        b.append("rx_bytes=").append(p.rxBytes()).append('\n');
        b.append("persistent_keepalive_interval=")
            .append(p.persistentKeepaliveSeconds())
            .append('\n');
        for (Prefix prefix : device.allowedIps(p)) {
          b.append("allowed_ip=").append(prefix).append('\n');
        }
      }
    }
    out.write(b.toString());
  }

  /**
   * Applies a {@code set=1} body read from {@code in} up to and including the blank line. On the
   * first bad line the rest of the body is read and discarded, and the error is thrown; changes
   * made by earlier lines stay (as in wireguard-go).
   */
  public void set(BufferedReader in) throws IOException, UapiException {
    UapiException failure = null;
    synchronized (lock) {
      PeerEdit peer = null;
      boolean deviceSection = true;
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) {
          break;
        }
        if (failure != null) {
          continue;
        }
        int eq = line.indexOf('=');
        if (eq <= 0) {
          failure = new UapiException(ERR_PROTOCOL, "failed to parse line '" + line + "'");
          continue;
        }
        String key = line.substring(0, eq);
        String value = line.substring(eq + 1);
        try {
          if (key.equals("public_key")) {
            deviceSection = false;
            peer = startPeer(value);
          } else if (deviceSection) {
            deviceLine(key, value);
          } else {
            peerLine(peer, key, value);
          }
        } catch (UapiException e) {
          failure = e;
        } catch (IllegalArgumentException e) {
          failure = new UapiException(ERR_INVALID, key + ": " + e.getMessage());
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void deviceLine(String key, String value) throws UapiException {
    switch (key) {
      case "private_key" -> device.setPrivateKey(NoisePrivateKey.fromHex(value));
      case "listen_port" -> {
        int port = parseUnsigned(key, value, 65535);
        try {
          device.setListenPort(port);
        } catch (IOException e) {
          throw new UapiException(ERR_PORT_IN_USE, "failed to set listen_port: " + e.getMessage());
        }
      }
      case "fwmark" -> device.setFwmark((int) parseUnsignedLong(key, value, 0xffff_ffffL));
      case "replace_peers" -> {
        requireTrue(key, value);
        device.removeAllPeers();
      }
      default -> throw new UapiException(ERR_INVALID, "invalid UAPI device key: " + key);
    }
  }

  /** The peer being configured; {@code dummy} when it is ignored (our own key, removed). */
  private static final class PeerEdit {
    Peer peer;
    boolean dummy;
    boolean created;
  }

  private PeerEdit startPeer(String hex) {
    NoisePublicKey key = NoisePublicKey.fromHex(hex);
    PeerEdit e = new PeerEdit();
    if (key.equals(device.publicKey())) {
      e.dummy = true;
      return e;
    }
    e.peer = device.peer(key);
    if (e.peer == null) {
      e.peer = device.addPeer(key);
      e.created = true;
    }
    return e;
  }

  private void peerLine(PeerEdit e, String key, String value) throws UapiException {
    switch (key) {
      case "update_only" -> {
        requireTrue(key, value);
        if (e.created && !e.dummy) {
          device.removePeer(e.peer.publicKey());
          e.dummy = true;
        }
      }
      case "remove" -> {
        requireTrue(key, value);
        if (!e.dummy) {
          device.removePeer(e.peer.publicKey());
        }
        e.dummy = true;
      }
      case "preshared_key" -> {
        NoisePresharedKey psk = NoisePresharedKey.fromHex(value);
        if (!e.dummy) {
          e.peer.setPresharedKey(psk);
        }
      }
      case "endpoint" -> {
        Endpoint ep = device.parseEndpoint(value);
        if (!e.dummy) {
          e.peer.setEndpoint(ep);
        }
      }
      case "persistent_keepalive_interval" -> {
        int secs = parseUnsigned(key, value, 65535);
        if (!e.dummy) {
          device.setPersistentKeepalive(e.peer, secs); // sends one at once when newly enabled
        }
      }
      case "replace_allowed_ips" -> {
        requireTrue(key, value);
        if (!e.dummy) {
          device.clearAllowedIps(e.peer);
        }
      }
      case "allowed_ip" -> {
        Prefix p = Prefix.parse(value);
        if (!e.dummy) {
          device.addAllowedIp(e.peer, p.address(), p.bits());
        }
      }
      case "protocol_version" -> {
        if (!value.equals("1")) {
          throw new UapiException(ERR_INVALID, "invalid protocol version: " + value);
        }
      }
      default -> throw new UapiException(ERR_INVALID, "invalid UAPI peer key: " + key);
    }
  }

  private static void requireTrue(String key, String value) throws UapiException {
    if (!value.equals("true")) {
      throw new UapiException(ERR_INVALID, key + ": invalid value '" + value + "'");
    }
  }

  private static int parseUnsigned(String key, String value, int max) throws UapiException {
    return (int) parseUnsignedLong(key, value, max);
  }

  private static long parseUnsignedLong(String key, String value, long max) throws UapiException {
    try {
      long v = Long.parseLong(value);
      if (v < 0 || v > max) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException ex) {
      throw new UapiException(ERR_INVALID, "failed to parse " + key + ": '" + value + "'");
    }
  }
}
