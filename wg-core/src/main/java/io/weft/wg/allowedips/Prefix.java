package io.weft.wg.allowedips;

import java.util.Arrays;
import java.util.Objects;

/**
 * An IPv4 or IPv6 prefix: the first {@code bits} bits of {@code address}, the rest zero.
 *
 * <p>The canonical constructor copies the address and clears the host bits, so {@code 10.0.0.1/24}
 * and {@code 10.0.0.0/24} are the same prefix (as {@code wg set ... allowed-ips} treats them);
 * {@link #address()} returns a copy. Prefixes order IPv4 before IPv6, then by address, then shorter
 * before longer.
 *
 * @param address 4 bytes (IPv4) or 16 bytes (IPv6), network byte order
 * @param bits prefix length, 0 to 32 or 0 to 128
 */
public record Prefix(byte[] address, int bits) implements Comparable<Prefix> {

  /**
   * Checks, copies and masks.
   *
   * @throws IllegalArgumentException if the address is not 4 or 16 bytes or bits is out of range
   */
  public Prefix {
    Objects.requireNonNull(address, "address");
    if (address.length != 4 && address.length != 16) {
      throw new IllegalArgumentException("an IP address is 4 or 16 bytes, not " + address.length);
    }
    final int maxBits = address.length * 8;
    if (bits < 0 || bits > maxBits) {
      throw new IllegalArgumentException(
          "prefix length " + bits + " is outside 0.." + maxBits + " for this address");
    }
    address = address.clone();
    for (int i = 0; i < address.length; i++) {
      final int kept = Math.clamp(bits - 8L * i, 0, 8);
      address[i] &= (byte) (0xff00 >>> kept);
    }
  }

  /**
   * Parses {@code a.b.c.d/n} or an IPv6 address in RFC 4291 text form (with {@code ::} and an
   * optional dotted IPv4 tail) followed by {@code /n}. Host bits may be set; they are cleared.
   *
   * @throws IllegalArgumentException saying what is wrong, for anything else (including zones,
   *     missing or malformed lengths, leading zeros in IPv4 octets, host names)
   */
  public static Prefix parse(final String text) {
    Objects.requireNonNull(text, "text");
    return PrefixText.parse(text);
  }

  /** The address with host bits cleared: a fresh copy. */
  @Override
  public byte[] address() {
    return address.clone();
  }

  /** Whether {@code ip} (4 or 16 bytes, network byte order) lies inside this prefix. */
  public boolean contains(final byte[] ip) {
    if (ip.length != address.length) {
      return false;
    }
    final int whole = bits >>> 3;
    for (int i = 0; i < whole; i++) {
      if (ip[i] != address[i]) {
        return false;
      }
    }
    final int rest = bits & 7;
    return rest == 0 || ((ip[whole] ^ address[whole]) & (0xff00 >>> rest) & 0xff) == 0;
  }

  /**
   * An address as text: IPv4 dotted, IPv6 in the RFC 5952 canonical form (lower case, the longest
   * run of two or more zero groups as {@code ::}, IPv4-mapped as {@code ::ffff:a.b.c.d}).
   *
   * @param ip 4 or 16 bytes, network byte order
   */
  public static String addressText(final byte[] ip) {
    if (ip.length != 4 && ip.length != 16) {
      throw new IllegalArgumentException("an IP address is 4 or 16 bytes, not " + ip.length);
    }
    return PrefixText.format(ip);
  }

  /** Whether this is an IPv4 prefix. */
  public boolean isIpv4() {
    return address.length == 4;
  }

  // Package access to the array without a copy, for the trie and formatting.
  byte[] addressBytes() {
    return address;
  }

  @Override
  public boolean equals(final Object other) {
    return other instanceof Prefix that
        && bits == that.bits
        && Arrays.equals(address, that.address);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(address) + bits;
  }

  @Override
  public int compareTo(final Prefix other) {
    if (address.length != other.address.length) {
      return Integer.compare(address.length, other.address.length);
    }
    final int byAddress = Arrays.compareUnsigned(address, other.address);
    return byAddress != 0 ? byAddress : Integer.compare(bits, other.bits);
  }

  /** {@code 10.0.0.0/24}, {@code fd00::/64}: IPv6 as RFC 5952 recommends. */
  @Override
  public String toString() {
    return PrefixText.format(address) + "/" + bits;
  }
}
