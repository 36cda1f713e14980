package io.weft.magicsock.disco;

import io.weft.wg.key.NoisePublicKey;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The plaintext inside a disco packet's box: {@code type(1) || version(1) || body}. {@link #parse}
 * returns null for anything it does not understand (and never throws); trailing bytes after a
 * fixed-size body are ignored, as Tailscale's parser does.
 */
public sealed interface DiscoMessage {
  byte TYPE_PING = 0x01;
  byte TYPE_PONG = 0x02;
  byte TYPE_CALL_ME_MAYBE = 0x03;
  int HEADER = 2;
  int TX_ID_LENGTH = 12;

  /** Address (16, IPv4 mapped) then port (2, big-endian). */
  int ENDPOINT_LENGTH = 18;

  /** The encoded message, header included. */
  byte[] encode();

  /**
   * A ping: {@code txId(12) || nodeKey(32) || zero padding}.
   *
   * @param nodeKey the sender's node key, or null (senders older than Tailscale 1.16)
   * @param padding zero bytes after the key, to probe the path MTU
   */
  record Ping(byte[] txId, NoisePublicKey nodeKey, int padding) implements DiscoMessage {
    public Ping {
      txId = checkTxId(txId);
      if (padding < 0) {
        throw new IllegalArgumentException("padding " + padding);
      }
    }

    @Override
    public byte[] encode() {
      byte[] b = new byte[HEADER + TX_ID_LENGTH + (nodeKey == null ? 0 : 32) + padding];
      b[0] = TYPE_PING;
      System.arraycopy(txId, 0, b, HEADER, TX_ID_LENGTH);
      if (nodeKey != null) {
        nodeKey.copyTo(b, HEADER + TX_ID_LENGTH);
      }
      return b;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Ping p
          && Arrays.equals(txId, p.txId)
          && java.util.Objects.equals(nodeKey, p.nodeKey)
          && padding == p.padding;
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(txId);
    }
  }

  /**
   * A pong: {@code txId(12) || source address(16) || source port(2)}, the ping's observed source.
   */
  record Pong(byte[] txId, InetSocketAddress source) implements DiscoMessage {
    public Pong {
      txId = checkTxId(txId);
      java.util.Objects.requireNonNull(source, "source");
    }

    @Override
    public byte[] encode() {
      byte[] b = new byte[HEADER + TX_ID_LENGTH + ENDPOINT_LENGTH];
      b[0] = TYPE_PONG;
      System.arraycopy(txId, 0, b, HEADER, TX_ID_LENGTH);
      putEndpoint(b, HEADER + TX_ID_LENGTH, source);
      return b;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Pong p && Arrays.equals(txId, p.txId) && source.equals(p.source);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(txId);
    }
  }

  /** A call-me-maybe: the sender's endpoints, {@code n × (address(16) || port(2))}. */
  record CallMeMaybe(List<InetSocketAddress> endpoints) implements DiscoMessage {
    public CallMeMaybe {
      endpoints = List.copyOf(endpoints);
    }

    @Override
    public byte[] encode() {
      byte[] b = new byte[HEADER + ENDPOINT_LENGTH * endpoints.size()];
      b[0] = TYPE_CALL_ME_MAYBE;
      for (int i = 0; i < endpoints.size(); i++) {
        putEndpoint(b, HEADER + ENDPOINT_LENGTH * i, endpoints.get(i));
      }
      return b;
    }
  }

  /** The message in {@code b}, or null when it is not one this node understands. */
  static DiscoMessage parse(byte[] b) {
    return b == null ? null : parse(b, 0, b.length);
  }

  /** The message at {@code b[off, off+len)}, or null. */
  static DiscoMessage parse(byte[] b, int off, int len) {
    if (b == null || off < 0 || len < HEADER || off + len > b.length) {
      return null;
    }
    byte type = b[off];
    int version = b[off + 1] & 0xff;
    int p = off + HEADER;
    int n = len - HEADER;
    switch (type) {
      case TYPE_PING -> {
        if (n < TX_ID_LENGTH) {
          return null;
        }
        byte[] tx = Arrays.copyOfRange(b, p, p + TX_ID_LENGTH);
        if (n < TX_ID_LENGTH + 32) {
          return new Ping(tx, null, 0);
        }
        NoisePublicKey k =
            NoisePublicKey.of(Arrays.copyOfRange(b, p + TX_ID_LENGTH, p + TX_ID_LENGTH + 32));
        return new Ping(tx, k, n - TX_ID_LENGTH - 32);
      }
      case TYPE_PONG -> {
        if (n < TX_ID_LENGTH + ENDPOINT_LENGTH) {
          return null;
        }
        return new Pong(Arrays.copyOfRange(b, p, p + TX_ID_LENGTH), endpoint(b, p + TX_ID_LENGTH));
      }
      case TYPE_CALL_ME_MAYBE -> {
        if (n == 0 || n % ENDPOINT_LENGTH != 0 || version != 0) {
          return new CallMeMaybe(List.of());
        }
        List<InetSocketAddress> eps = new ArrayList<>(n / ENDPOINT_LENGTH);
        for (int i = 0; i < n; i += ENDPOINT_LENGTH) {
          eps.add(endpoint(b, p + i));
        }
        return new CallMeMaybe(eps);
      }
      default -> {
        return null;
      }
    }
  }

  /** The 18-byte endpoint at {@code b[off]}; a v4-mapped address comes back as IPv4. */
  static InetSocketAddress endpoint(byte[] b, int off) {
    byte[] ip = Arrays.copyOfRange(b, off, off + 16);
    boolean mapped = ip[10] == (byte) 0xff && ip[11] == (byte) 0xff;
    for (int i = 0; i < 10 && mapped; i++) {
      mapped = ip[i] == 0;
    }
    if (mapped) {
      ip = Arrays.copyOfRange(ip, 12, 16);
    }
    int port = (b[off + 16] & 0xff) << 8 | (b[off + 17] & 0xff);
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), port);
    } catch (UnknownHostException e) {
      throw new AssertionError("4 or 16 bytes", e);
    }
  }

  /** Writes {@code a} as 16 address bytes (IPv4 mapped) and a big-endian port. */
  static void putEndpoint(byte[] b, int off, InetSocketAddress a) {
    byte[] ip = a.getAddress().getAddress();
    if (a.getAddress() instanceof Inet4Address) {
      b[off + 10] = (byte) 0xff;
      b[off + 11] = (byte) 0xff;
      System.arraycopy(ip, 0, b, off + 12, 4);
    } else {
      System.arraycopy(ip, 0, b, off, 16);
    }
    b[off + 16] = (byte) (a.getPort() >>> 8);
    b[off + 17] = (byte) a.getPort();
  }

  private static byte[] checkTxId(byte[] txId) {
    if (txId == null || txId.length != TX_ID_LENGTH) {
      throw new IllegalArgumentException("a disco tx id is 12 bytes");
    }
    return txId.clone();
  }
}
