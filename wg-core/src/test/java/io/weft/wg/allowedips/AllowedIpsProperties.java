package io.weft.wg.allowedips;

import static io.weft.testing.property.Gens.weight;
import static io.weft.testing.property.Gens.weightOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.property.Gen;
import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AllowedIpsProperties {

  /** Few peers, so prefixes change hands and removals often name the wrong peer. */
  private static final List<String> PEERS = List.of("a", "b", "c", "d");

  enum Kind {
    INSERT,
    REMOVE,
    REMOVE_PEER
  }

  record Op(Kind kind, Prefix prefix, String peer) {}

  /**
   * Addresses clustered under a few bases, so that prefixes nest, share bits and split the trie at
   * every depth; IPv4 and IPv6 mixed.
   */
  private static Gen<byte[]> addresses(final int length) {
    final Gen<byte[]> random = Gens.byteArrays(length);
    final byte[] base = new byte[length];
    base[0] = 10;
    final Gen<Integer> flips = Gens.ints(0, length * 8 - 1);
    final Gen<byte[]> clustered =
        src -> {
          final int flip1 = flips.generate(src);
          final int flip2 = flips.generate(src);
          final byte[] a = base.clone();
          a[flip1 / 8] ^= (byte) (0x80 >>> (flip1 % 8));
          a[flip2 / 8] ^= (byte) (0x80 >>> (flip2 % 8));
          return a;
        };
    return Gens.frequency(weight(1, random), weight(3, clustered));
  }

  private static Gen<Prefix> prefixes(final int length) {
    final int maxBits = length * 8;
    final Gen<Integer> bits =
        Gens.frequency(
            weight(3, Gens.ints(0, maxBits)), weight(1, Gens.of(0, 1, maxBits - 1, maxBits)));
    final Gen<byte[]> address = addresses(length);
    return src -> new Prefix(address.generate(src), bits.generate(src));
  }

  static Gen<List<Op>> operations() {
    final Gen<Prefix> prefix = Gens.oneOf(prefixes(4), prefixes(16));
    final Gen<String> peer = Gens.of(PEERS);
    final Gen<Kind> kind =
        Gens.frequency(
            weightOf(12, Kind.INSERT), weightOf(5, Kind.REMOVE), weightOf(1, Kind.REMOVE_PEER));
    final Gen<Op> op = src -> new Op(kind.generate(src), prefix.generate(src), peer.generate(src));
    return op.list(150);
  }

  static Gen<List<byte[]>> probes() {
    return Gens.oneOf(addresses(4), addresses(16)).list(60, 60);
  }

  /**
   * After any sequence of updates, every lookup agrees with a linear scan for the longest
   * containing prefix, and each peer's prefix list is exactly what the scan holds for it.
   */
  @Test
  void shouldAgreeWithALinearLongestPrefixMatch() {
    Property.forAll(operations(), probes())
        .tries(400)
        .check(AllowedIpsProperties::agreesWithALinearLongestPrefixMatch);
  }

  private static void agreesWithALinearLongestPrefixMatch(
      final List<Op> operations, final List<byte[]> probes) {
    final AllowedIps<String> table = new AllowedIps<>();
    final Map<Prefix, String> reference = new HashMap<>();
    for (final Op op : operations) {
      final Prefix p = op.prefix();
      switch (op.kind()) {
        case INSERT -> {
          table.insert(p.address(), p.bits(), op.peer());
          reference.put(p, op.peer());
        }
        case REMOVE -> {
          final boolean owned = op.peer().equals(reference.get(p));
          assertThat(table.remove(p.address(), p.bits(), op.peer())).isEqualTo(owned);
          if (owned) {
            reference.remove(p);
          }
        }
        case REMOVE_PEER -> {
          table.removeByPeer(op.peer());
          reference.values().removeIf(op.peer()::equals);
        }
      }
      // Probe the prefixes in play too: their first and last addresses are the edge cases.
      final byte[] first = p.address();
      assertThat(table.lookup(first, 0, first.length)).isEqualTo(linearLookup(reference, first));
      final byte[] last = lastAddress(p);
      assertThat(table.lookup(last, 0, last.length)).isEqualTo(linearLookup(reference, last));
    }
    // Compressed: a node without a peer joins two subtrees, so there are fewer joins than routes.
    assertThat(table.nodeCount()).isLessThanOrEqualTo(Math.max(0, 2 * reference.size() - 1));
    for (final byte[] probe : probes) {
      assertThat(table.lookup(probe, 0, probe.length))
          .as("lookup %s", new Prefix(probe, probe.length * 8))
          .isEqualTo(linearLookup(reference, probe));
    }
    for (final String peer : PEERS) {
      final List<Prefix> expected = new ArrayList<>();
      reference.forEach(
          (prefix, owner) -> {
            if (owner.equals(peer)) {
              expected.add(prefix);
            }
          });
      expected.sort(Comparator.naturalOrder());
      assertThat(table.prefixesOf(peer)).as("prefixes of %s", peer).isEqualTo(expected);
    }
  }

  private static String linearLookup(final Map<Prefix, String> routes, final byte[] address) {
    Prefix best = null;
    for (final Prefix prefix : routes.keySet()) {
      if (contains(prefix, address) && (best == null || prefix.bits() > best.bits())) {
        best = prefix;
      }
    }
    return best == null ? null : routes.get(best);
  }

  private static boolean contains(final Prefix prefix, final byte[] address) {
    return prefix.address().length == address.length
        && new Prefix(address, prefix.bits()).equals(prefix);
  }

  private static byte[] lastAddress(final Prefix prefix) {
    final byte[] a = prefix.address();
    for (int bit = prefix.bits(); bit < a.length * 8; bit++) {
      a[bit / 8] |= (byte) (0x80 >>> (bit % 8));
    }
    return a;
  }
}
