package io.weft.wg.allowedips;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The cryptokey routing table: which peer owns an address, by longest-prefix match, one trie per
 * address family.
 *
 * <p>Outbound, the device looks up a packet's destination to pick the peer to encrypt for; inbound,
 * it looks up the source of a decrypted packet and drops it unless the answer is the peer whose key
 * decrypted it. Each prefix belongs to at most one peer: inserting it for another peer moves it.
 * Peers are compared with {@code equals}.
 *
 * <p>{@link #lookup} is lock-free and allocates nothing: it reads a volatile root and walks
 * immutable nodes (see the package documentation). Updates are serialized and copy the path they
 * change; {@link #prefixesOf} is answered from a per-peer index kept by the updates.
 *
 * @param <P> the peer type
 */
public final class AllowedIps<P> {

  private static final VarHandle INT_BE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private volatile Node<P> ipv4;
  private volatile Node<P> ipv6;

  /** Guards the writes of the roots and {@link #byPeer}. */
  private final Object updateLock = new Object();

  private final Map<P, TreeSet<Prefix>> byPeer = new HashMap<>();

  /** An empty table. */
  public AllowedIps() {}

  /**
   * Routes {@code addr/bits} to {@code peer}, taking it from the peer that had it, if any. Host
   * bits beyond the prefix are ignored.
   *
   * @param addr 4 or 16 bytes
   * @throws IllegalArgumentException if the address is not 4 or 16 bytes or bits is out of range
   */
  public void insert(final byte[] addr, final int bits, final P peer) {
    Objects.requireNonNull(peer, "peer");
    final Prefix prefix = new Prefix(addr, bits);
    final byte[] masked = prefix.addressBytes();
    final long hi = high(masked);
    final long lo = low(masked);
    synchronized (updateLock) {
      final Node<P> root = root(prefix);
      final P previous = exact(root, hi, lo, bits);
      if (peer.equals(previous)) {
        return;
      }
      setRoot(prefix, insert(root, hi, lo, bits, peer));
      if (previous != null) {
        unindex(previous, prefix);
      }
      byPeer.computeIfAbsent(peer, p -> new TreeSet<>()).add(prefix);
    }
  }

  /**
   * Removes {@code addr/bits} if it is routed to {@code peer}; a prefix routed to another peer, or
   * only covered by a shorter one, is left alone.
   *
   * @return whether a route was removed
   * @throws IllegalArgumentException if the address is not 4 or 16 bytes or bits is out of range
   */
  public boolean remove(final byte[] addr, final int bits, final P peer) {
    Objects.requireNonNull(peer, "peer");
    final Prefix prefix = new Prefix(addr, bits);
    synchronized (updateLock) {
      return removeLocked(prefix, peer);
    }
  }

  /** Removes every prefix routed to {@code peer}, as when the peer is removed or replaced. */
  public void removeByPeer(final P peer) {
    Objects.requireNonNull(peer, "peer");
    synchronized (updateLock) {
      final TreeSet<Prefix> prefixes = byPeer.get(peer);
      if (prefixes == null) {
        return;
      }
      for (final Prefix prefix : List.copyOf(prefixes)) {
        removeLocked(prefix, peer);
      }
    }
  }

  /**
   * The prefixes routed to {@code peer}, IPv4 first, each family by address and then length: a
   * stable order for the UAPI's {@code allowed_ip} lines and {@code wg show}.
   */
  public List<Prefix> prefixesOf(final P peer) {
    synchronized (updateLock) {
      final TreeSet<Prefix> prefixes = byPeer.get(peer);
      return prefixes == null ? List.of() : List.copyOf(prefixes);
    }
  }

  /**
   * The peer owning the longest prefix that contains the address at {@code packet[addrOff,
   * addrOff+addrLen)}, typically the source or destination field of an IP header. Lock-free and
   * allocation-free; safe from any number of threads during updates.
   *
   * @param addrLen 4 for IPv4, 16 for IPv6; any other length has no route
   * @return the peer, or {@code null} if no prefix contains the address
   * @throws IndexOutOfBoundsException if the address does not fit in {@code packet}
   */
  public P lookup(final byte[] packet, final int addrOff, final int addrLen) {
    if (addrLen == 4) {
      final long hi = ((long) (int) INT_BE.get(packet, addrOff)) << 32;
      return longestMatch(ipv4, hi, 0L);
    }
    if (addrLen == 16) {
      final long hi = (long) LONG_BE.get(packet, addrOff);
      final long lo = (long) LONG_BE.get(packet, addrOff + 8);
      return longestMatch(ipv6, hi, lo);
    }
    return null;
  }

  /** Nodes in both tries, routes and joins: for tests of the trie's shape. */
  int nodeCount() {
    return count(ipv4) + count(ipv6);
  }

  private static int count(final Node<?> node) {
    return node == null ? 0 : 1 + count(node.zero) + count(node.one);
  }

  @Override
  public String toString() {
    synchronized (updateLock) {
      return "AllowedIps[peers=" + byPeer.size() + "]";
    }
  }

  // ---- the trie -----------------------------------------------------------------------------

  /**
   * A node of a path-compressed binary trie, immutable once published. A node holds the prefix
   * {@code (hi, lo)/bits} (an address as a 128-bit number; IPv4 in the top 32 bits of {@code hi})
   * and, if it is a route, its peer; a node without a peer only joins two subtrees. The child on
   * side {@code b} holds longer prefixes whose bit number {@code bits} is {@code b}.
   */
  private static final class Node<P> {
    final long hi;
    final long lo;
    final long maskHi;
    final long maskLo;
    final int bits;
    final P peer;
    final Node<P> zero;
    final Node<P> one;

    Node(
        final long hi,
        final long lo,
        final int bits,
        final P peer,
        final Node<P> zero,
        final Node<P> one) {
      this.maskHi = bits == 0 ? 0L : bits >= 64 ? -1L : -1L << (64 - bits);
      this.maskLo = bits <= 64 ? 0L : -1L << (128 - bits);
      this.hi = hi & maskHi;
      this.lo = lo & maskLo;
      this.bits = bits;
      this.peer = peer;
      this.zero = zero;
      this.one = one;
    }

    boolean contains(final long addrHi, final long addrLo) {
      return ((addrHi ^ hi) & maskHi) == 0 && ((addrLo ^ lo) & maskLo) == 0;
    }

    Node<P> child(final long addrHi, final long addrLo) {
      return bitAt(addrHi, addrLo, bits) == 0 ? zero : one;
    }

    Node<P> withPeer(final P newPeer) {
      return new Node<>(hi, lo, bits, newPeer, zero, one);
    }

    Node<P> withChild(final long addrHi, final long addrLo, final Node<P> child) {
      return bitAt(addrHi, addrLo, bits) == 0
          ? new Node<>(hi, lo, bits, peer, child, one)
          : new Node<>(hi, lo, bits, peer, zero, child);
    }
  }

  private static <P> P longestMatch(final Node<P> root, final long hi, final long lo) {
    P found = null;
    Node<P> node = root;
    while (node != null && node.contains(hi, lo)) {
      if (node.peer != null) {
        found = node.peer;
      }
      node = node.child(hi, lo);
    }
    return found;
  }

  private static <P> P exact(final Node<P> root, final long hi, final long lo, final int bits) {
    Node<P> node = root;
    while (node != null && node.bits <= bits && node.contains(hi, lo)) {
      if (node.bits == bits) {
        return node.peer;
      }
      node = node.child(hi, lo);
    }
    return null;
  }

  // Returns the subtree with (hi, lo)/bits routed to peer, sharing every node off the path.
  private static <P> Node<P> insert(
      final Node<P> node, final long hi, final long lo, final int bits, final P peer) {
    if (node == null) {
      return new Node<>(hi, lo, bits, peer, null, null);
    }
    final int common = Math.min(commonBits(node.hi, node.lo, hi, lo), Math.min(node.bits, bits));
    if (common == node.bits) {
      if (node.bits == bits) {
        return node.withPeer(peer);
      }
      return node.withChild(hi, lo, insert(node.child(hi, lo), hi, lo, bits, peer));
    }
    if (common == bits) {
      // The new prefix contains this node: it goes above it.
      return bitAt(node.hi, node.lo, bits) == 0
          ? new Node<>(hi, lo, bits, peer, node, null)
          : new Node<>(hi, lo, bits, peer, null, node);
    }
    // They part ways after `common` bits: join them under a node without a peer.
    final Node<P> leaf = new Node<>(hi, lo, bits, peer, null, null);
    return bitAt(hi, lo, common) == 0
        ? new Node<>(hi, lo, common, null, leaf, node)
        : new Node<>(hi, lo, common, null, node, leaf);
  }

  // Returns the subtree without the route (hi, lo)/bits of peer; the same node if nothing changed.
  private static <P> Node<P> remove(
      final Node<P> node, final long hi, final long lo, final int bits, final P peer) {
    if (node == null || node.bits > bits || !node.contains(hi, lo)) {
      return node;
    }
    if (node.bits == bits) {
      return peer.equals(node.peer) ? compact(node.withPeer(null)) : node;
    }
    final Node<P> child = node.child(hi, lo);
    final Node<P> newChild = remove(child, hi, lo, bits, peer);
    return newChild == child ? node : compact(node.withChild(hi, lo, newChild));
  }

  // A node without a peer is only kept while it joins two subtrees.
  private static <P> Node<P> compact(final Node<P> node) {
    if (node.peer != null || (node.zero != null && node.one != null)) {
      return node;
    }
    return node.zero != null ? node.zero : node.one;
  }

  private boolean removeLocked(final Prefix prefix, final P peer) {
    final byte[] address = prefix.addressBytes();
    final Node<P> root = root(prefix);
    final Node<P> newRoot = remove(root, high(address), low(address), prefix.bits(), peer);
    if (newRoot == root) {
      return false;
    }
    setRoot(prefix, newRoot);
    unindex(peer, prefix);
    return true;
  }

  private void unindex(final P peer, final Prefix prefix) {
    final TreeSet<Prefix> prefixes = byPeer.get(peer);
    prefixes.remove(prefix);
    if (prefixes.isEmpty()) {
      byPeer.remove(peer);
    }
  }

  private Node<P> root(final Prefix prefix) {
    return prefix.isIpv4() ? ipv4 : ipv6;
  }

  private void setRoot(final Prefix prefix, final Node<P> root) {
    if (prefix.isIpv4()) {
      ipv4 = root;
    } else {
      ipv6 = root;
    }
  }

  // Bit number `index` counting from the most significant bit of hi. A node of full length has no
  // children, so the value read for index 128 (which wraps) is never used.
  private static int bitAt(final long hi, final long lo, final int index) {
    return (int) (index < 64 ? hi >>> (63 - index) : lo >>> (127 - index)) & 1;
  }

  private static int commonBits(final long hi1, final long lo1, final long hi2, final long lo2) {
    final long x = hi1 ^ hi2;
    return x != 0 ? Long.numberOfLeadingZeros(x) : 64 + Long.numberOfLeadingZeros(lo1 ^ lo2);
  }

  private static long high(final byte[] address) {
    return address.length == 4
        ? ((long) (int) INT_BE.get(address, 0)) << 32
        : (long) LONG_BE.get(address, 0);
  }

  private static long low(final byte[] address) {
    return address.length == 4 ? 0L : (long) LONG_BE.get(address, 8);
  }
}
