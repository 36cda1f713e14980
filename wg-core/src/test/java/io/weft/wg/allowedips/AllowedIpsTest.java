package io.weft.wg.allowedips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class AllowedIpsTest {

  private final AllowedIps<String> table = new AllowedIps<>();

  private void insert(final String peer, final String prefix) {
    final Prefix p = Prefix.parse(prefix);
    table.insert(p.address(), p.bits(), peer);
  }

  private boolean remove(final String peer, final String prefix) {
    final Prefix p = Prefix.parse(prefix);
    return table.remove(p.address(), p.bits(), peer);
  }

  /** Looks up a host address given as a full-length prefix, e.g. {@code 10.0.0.1/32}. */
  private String lookup(final String host) {
    final String full = host.contains(":") ? host + "/128" : host + "/32";
    final byte[] address = Prefix.parse(full).address();
    return table.lookup(address, 0, address.length);
  }

  private List<String> prefixesOf(final String peer) {
    return table.prefixesOf(peer).stream().map(Prefix::toString).toList();
  }

  /** The IPv4 case of the Linux self-test, as wireguard-go ports it. */
  @Nested
  class ReferenceIpv4 {

    private static final List<String> HOSTS =
        List.of("1.0.0.0", "64.0.0.0", "128.0.0.0", "192.0.0.0", "255.0.0.0");

    @Test
    void shouldRouteToTheLongestMatch() {
      insert("a", "192.168.4.0/24");
      insert("b", "192.168.4.4/32");
      insert("c", "192.168.0.0/16");
      insert("d", "192.95.5.64/27");
      insert("c", "192.95.5.65/27"); // same prefix as d's: it moves to c
      insert("e", "0.0.0.0/0");
      insert("g", "64.15.112.0/20");
      insert("h", "64.15.123.211/25");
      insert("a", "10.0.0.0/25");
      insert("b", "10.0.0.128/25");
      insert("a", "10.1.0.0/30");
      insert("b", "10.1.0.4/30");
      insert("c", "10.1.0.8/29");
      insert("d", "10.1.0.16/29");

      final String[][] expectations = {
        {"192.168.4.20", "a"},
        {"192.168.4.0", "a"},
        {"192.168.4.4", "b"},
        {"192.168.200.182", "c"},
        {"192.95.5.68", "c"},
        {"192.95.5.96", "e"},
        {"64.15.116.26", "g"},
        {"64.15.127.3", "g"},
        {"64.15.123.211", "h"},
        {"10.0.0.5", "a"},
        {"10.0.0.200", "b"},
        {"10.1.0.2", "a"},
        {"10.1.0.6", "b"},
        {"10.1.0.12", "c"},
        {"10.1.0.20", "d"},
        {"10.1.0.24", "e"},
      };
      for (final String[] expected : expectations) {
        assertThat(lookup(expected[0])).as(expected[0]).isEqualTo(expected[1]);
      }
      assertThat(prefixesOf("d")).containsExactly("10.1.0.16/29");
    }

    @Test
    void shouldForgetEveryPrefixOfARemovedPeer() {
      insert("e", "0.0.0.0/0");
      for (final String host : HOSTS) {
        insert("a", host + "/32");
      }
      assertThat(lookup("128.0.0.0")).isEqualTo("a");

      table.removeByPeer("a");

      for (final String host : HOSTS) {
        assertThat(lookup(host)).as(host).isEqualTo("e");
      }
      assertThat(prefixesOf("a")).isEmpty();
    }

    @Test
    void shouldLeaveAnEmptyTrieOnceEveryPeerIsRemoved() {
      shouldRouteToTheLongestMatch();
      for (final String peer : List.of("a", "b", "c", "d", "e", "g", "h")) {
        table.removeByPeer(peer);
      }
      assertThat(table.nodeCount()).isZero();
      assertThat(lookup("192.168.4.4")).isNull();
    }

    @Test
    void shouldRemoveNestedPrefixesOfOnePeer() {
      insert("a", "192.168.0.0/16");
      insert("a", "192.168.0.0/24");
      table.removeByPeer("a");
      assertThat(lookup("192.168.0.1")).isNull();
    }
  }

  /** The IPv6 case of the Linux self-test, as wireguard-go ports it. */
  @Nested
  class ReferenceIpv6 {

    @Test
    void shouldRouteToTheLongestMatch() {
      insert("d", "2607:5300:6000:6b00::c05f:543/128");
      insert("c", "2607:5300:6000:6b00::/64");
      insert("e", "::/0");
      insert("f", "::/0");
      insert("g", "2404:6800::/32");
      insert("h", "2404:6800:4004:800:dead:beef:dead:beef/64");
      insert("a", "2404:6800:4004:800:dead:beef:dead:beef/128");
      insert("c", "2444:6800:40e4:800:deae:beef:def:beef/128");
      insert("b", "2444:6800:f0e4:800:eeae:beef::/98");

      final String[][] expectations = {
        {"2607:5300:6000:6b00::c05f:543", "d"},
        {"2607:5300:6000:6b00::c02e:1ee", "c"},
        {"2607:5300:6000:6b01::", "f"},
        {"2404:6800:4004:806::1006", "g"},
        {"2404:6800:4004:806::1234:5678", "g"},
        {"2404:67ff:4004:806::1234:5678", "f"},
        {"2404:6801:4004:806::1234:5678", "f"},
        {"2404:6800:4004:800::1234:5678", "h"},
        {"2404:6800:4004:800::", "h"},
        {"2404:6800:4004:800:1010:1010:1010:1010", "h"},
        {"2404:6800:4004:800:dead:beef:dead:beef", "a"},
        {"2444:6800:40e4:800:deae:beef:def:beef", "c"},
        {"2444:6800:f0e4:800:eeae:beef:3fff:ffff", "b"},
        {"2444:6800:f0e4:800:eeae:beef:4000:0", "f"},
      };
      for (final String[] expected : expectations) {
        assertThat(lookup(expected[0])).as(expected[0]).isEqualTo(expected[1]);
      }
      assertThat(prefixesOf("c"))
          .containsExactly("2444:6800:40e4:800:deae:beef:def:beef/128", "2607:5300:6000:6b00::/64");
      assertThat(prefixesOf("e")).as("::/0 moved to f").isEmpty();
    }
  }

  @Nested
  class Updates {

    @Test
    void shouldMoveAPrefixToItsNewPeer() {
      insert("a", "10.0.0.0/24");
      insert("a", "10.0.1.0/24");
      insert("b", "10.0.0.0/24");

      assertThat(lookup("10.0.0.1")).isEqualTo("b");
      assertThat(prefixesOf("a")).containsExactly("10.0.1.0/24");
      assertThat(prefixesOf("b")).containsExactly("10.0.0.0/24");
    }

    @Test
    void shouldIgnoreHostBitsBeyondThePrefix() {
      insert("a", "10.0.0.77/24");
      assertThat(lookup("10.0.0.1")).isEqualTo("a");
      assertThat(prefixesOf("a")).containsExactly("10.0.0.0/24");
      assertThat(remove("a", "10.0.0.200/24")).isTrue();
      assertThat(lookup("10.0.0.1")).isNull();
    }

    @Test
    void shouldRemoveOnlyThePrefixOfTheNamedPeer() {
      insert("a", "10.0.0.0/24");
      assertThat(remove("b", "10.0.0.0/24")).isFalse();
      assertThat(lookup("10.0.0.1")).isEqualTo("a");
      assertThat(remove("a", "10.0.0.0/24")).isTrue();
      assertThat(lookup("10.0.0.1")).isNull();
    }

    @Test
    void shouldNotRemoveAPrefixThatIsOnlyCovered() {
      insert("a", "10.0.0.0/8");
      assertThat(remove("a", "10.1.0.0/16")).isFalse();
      assertThat(lookup("10.1.0.1")).isEqualTo("a");
    }

    @Test
    void shouldFallBackToTheShorterPrefixWhenTheLongerIsRemoved() {
      insert("a", "10.0.0.0/8");
      insert("b", "10.1.0.0/16");
      insert("c", "10.1.2.0/24");
      assertThat(remove("b", "10.1.0.0/16")).isTrue();
      assertThat(lookup("10.1.9.9")).isEqualTo("a");
      assertThat(lookup("10.1.2.3")).isEqualTo("c");
    }

    @Test
    void shouldKeepTheFamiliesApart() {
      insert("v4", "0.0.0.0/0");
      assertThat(lookup("::")).isNull();
      insert("v6", "::/0");
      assertThat(lookup("0.0.0.0")).isEqualTo("v4");
      assertThat(lookup("::")).isEqualTo("v6");
      assertThat(prefixesOf("v6")).containsExactly("::/0");
    }

    @Test
    void shouldListAPeersPrefixesInAStableOrder() {
      insert("a", "fd00::/64");
      insert("a", "10.0.0.0/24");
      insert("a", "fd00::/8");
      insert("a", "10.0.0.0/8");
      insert("a", "192.168.0.0/16");
      insert("a", "10.0.0.0/24"); // again: no duplicate
      assertThat(prefixesOf("a"))
          .containsExactly("10.0.0.0/8", "10.0.0.0/24", "192.168.0.0/16", "fd00::/8", "fd00::/64");
      assertThat(prefixesOf("nobody")).isEmpty();
    }

    @Test
    void shouldRouteHostPrefixes() {
      insert("a", "10.0.0.1/32");
      insert("b", "2001:db8::1/128");
      assertThat(lookup("10.0.0.1")).isEqualTo("a");
      assertThat(lookup("10.0.0.0")).isNull();
      assertThat(lookup("2001:db8::1")).isEqualTo("b");
      assertThat(lookup("2001:db8::")).isNull();
    }

    @Test
    void shouldRejectBadArguments() {
      assertThatThrownBy(() -> table.insert(new byte[5], 8, "a"))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> table.insert(new byte[4], 33, "a"))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> table.insert(new byte[4], 8, null))
          .isInstanceOf(NullPointerException.class);
    }
  }

  @Nested
  class Lookup {

    @Test
    void shouldReadTheAddressStraightFromAPacket() {
      insert("a", "192.0.2.0/24");
      insert("b", "2001:db8::/32");
      final byte[] ipv4Header = new byte[20];
      ipv4Header[16] = (byte) 192;
      ipv4Header[18] = 2;
      ipv4Header[19] = 9; // destination 192.0.2.9 at offset 16
      assertThat(table.lookup(ipv4Header, 16, 4)).isEqualTo("a");

      final byte[] ipv6Header = new byte[40];
      ipv6Header[8] = 0x20;
      ipv6Header[9] = 0x01;
      ipv6Header[10] = 0x0d;
      ipv6Header[11] = (byte) 0xb8; // source 2001:db8:: at offset 8
      assertThat(table.lookup(ipv6Header, 8, 16)).isEqualTo("b");
    }

    @Test
    void shouldFindNoRouteForOtherLengths() {
      insert("a", "0.0.0.0/0");
      assertThat(table.lookup(new byte[8], 0, 8)).isNull();
    }

    @Test
    void shouldFailWhenTheAddressIsOutsideThePacket() {
      assertThatThrownBy(() -> table.lookup(new byte[10], 8, 4))
          .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void shouldFindNothingInAnEmptyTable() {
      assertThat(lookup("10.0.0.1")).isNull();
      assertThat(lookup("::1")).isNull();
    }
  }

  /**
   * Readers never see a torn table: while a writer flips a /24 between two peers, every lookup
   * inside it answers one of them, and lookups elsewhere keep their route.
   */
  @Test
  void shouldAnswerConsistentlyWhileUpdated() throws Exception {
    insert("base", "10.0.0.0/8");
    final byte[] flipped = {10, 1, 2, 0};
    table.insert(flipped, 24, "x");
    final AtomicBoolean stop = new AtomicBoolean();
    final ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      final List<Future<Integer>> readers = new ArrayList<>();
      for (int r = 0; r < 3; r++) {
        readers.add(
            pool.submit(
                () -> {
                  final byte[] inside = {10, 1, 2, 3};
                  final byte[] outside = {10, 9, 9, 9};
                  int bad = 0;
                  while (!stop.get()) {
                    final String owner = table.lookup(inside, 0, 4);
                    if (!"x".equals(owner) && !"y".equals(owner)) {
                      bad++;
                    }
                    if (!"base".equals(table.lookup(outside, 0, 4))) {
                      bad++;
                    }
                  }
                  return bad;
                }));
      }
      for (int i = 0; i < 20_000; i++) {
        table.insert(flipped, 24, i % 2 == 0 ? "y" : "x");
        final byte[] noise = {10, 2, (byte) (i >> 8), (byte) i};
        table.insert(noise, 32, "noise");
        table.remove(noise, 32, "noise");
      }
      stop.set(true);
      for (final Future<Integer> reader : readers) {
        assertThat(reader.get(30, TimeUnit.SECONDS)).isZero();
      }
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
  }
}
