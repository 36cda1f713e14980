package io.weft.control.policy;

import io.weft.wg.allowedips.Prefix;
import java.util.Arrays;

/** Prefix arithmetic and Tailscale's text forms for filter rules. */
final class Addresses {

  private Addresses() {}

  /** A host prefix as a bare address ({@code 100.64.0.1}), anything else as a CIDR. */
  static String format(final Prefix p) {
    final String s = p.toString();
    return p.bits() == p.address().length * 8 ? s.substring(0, s.indexOf('/')) : s;
  }

  /** Whether {@code text}'s address part equals the (masked) address of {@code p}. */
  static boolean sameAddress(final Prefix p, final String text) {
    final String addr = text.substring(0, text.indexOf('/'));
    final int max = addr.indexOf(':') >= 0 ? 128 : 32;
    try {
      return Arrays.equals(Prefix.parse(addr + "/" + max).address(), p.address());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Whether {@code inner} lies within {@code outer} (same family). */
  static boolean contains(final Prefix outer, final Prefix inner) {
    return outer.isIpv4() == inner.isIpv4()
        && inner.bits() >= outer.bits()
        && new Prefix(inner.address(), outer.bits()).equals(outer);
  }

  static boolean overlaps(final Prefix a, final Prefix b) {
    return contains(a, b) || contains(b, a);
  }
}
