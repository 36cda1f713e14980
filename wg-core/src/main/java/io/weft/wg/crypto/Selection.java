package io.weft.wg.crypto;

import io.weft.wg.crypto.ChaCha20Poly1305.Engine;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Picks {@link Engine#DEFAULT} once: the {@code weft.aead} property or {@code WEFT_AEAD} variable
 * when set, else OpenSSL when libcrypto loads and agrees with RFC 8439 §2.8.2 and with the JDK
 * engine on a few sizes, else the JDK.
 */
final class Selection {
  private Selection() {}

  static final String OPENSSL_PROBLEM = selfTest();
  static final Engine ENGINE = choose();

  private static Engine choose() {
    String v = System.getProperty("weft.aead");
    if (v == null || v.isBlank()) {
      v = System.getenv("WEFT_AEAD");
    }
    if (v == null || v.isBlank() || v.equalsIgnoreCase("auto")) {
      return OPENSSL_PROBLEM == null ? Engine.OPENSSL : Engine.JDK;
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "jdk" -> Engine.JDK;
      case "openssl" -> {
        if (OPENSSL_PROBLEM != null) {
          // An explicit request that cannot be met: say so rather than run on something else.
          throw new IllegalStateException(
              "WEFT_AEAD=openssl but OpenSSL is unusable: " + OPENSSL_PROBLEM);
        }
        yield Engine.OPENSSL;
      }
      default ->
          throw new IllegalStateException(
              "WEFT_AEAD must be jdk, openssl or auto, not '" + v + "'");
    };
  }

  /** Null when the OpenSSL engine works, else why not. */
  private static String selfTest() {
    String unavailable = OpenSslAead.unavailableReason();
    if (unavailable != null) {
      return unavailable;
    }
    try {
      HexFormat hex = HexFormat.of();
      byte[] key = new byte[32];
      for (int i = 0; i < 32; i++) {
        key[i] = (byte) (0x80 + i);
      }
      byte[] nonce = hex.parseHex("070000004041424344454647");
      byte[] aad = hex.parseHex("50515253c0c1c2c3c4c5c6c7");
      byte[] pt =
          ("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for"
                  + " the future, sunscreen would be it.")
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      byte[] tag = hex.parseHex("1ae10b594f09e26a7e902ecbd0600691");
      byte[] ct0 = hex.parseHex("d31a8d34648e60db7b86afbc53ef7ec2");
      OpenSslAead ossl = new OpenSslAead(key, 0);
      JdkAead jdk = new JdkAead(key, 0);
      try {
        byte[] a = Arrays.copyOf(pt, pt.length + 16);
        if (ossl.seal(nonce, aad, a, 0, pt.length) != pt.length + 16
            || !Arrays.equals(a, pt.length, pt.length + 16, tag, 0, 16)
            || !Arrays.equals(a, 0, 16, ct0, 0, 16)) {
          return "OpenSSL disagrees with RFC 8439 §2.8.2";
        }
        for (int size : new int[] {0, 1, 63, 64, 65, 1420}) {
          byte[] p = new byte[size + 16];
          for (int i = 0; i < size; i++) {
            p[i] = (byte) (i * 31 + 7);
          }
          byte[] viaOssl = p.clone();
          byte[] viaJdk = p.clone();
          byte[] ad = size % 2 == 0 ? aad : null;
          nonce[0] = (byte) (size + 1); // the JDK refuses to seal twice under one nonce
          ossl.seal(nonce, ad, viaOssl, 0, size);
          jdk.seal(nonce, ad, viaJdk, 0, size);
          if (!Arrays.equals(viaOssl, viaJdk)) {
            return "OpenSSL disagrees with the JDK at " + size + " bytes";
          }
          if (ossl.open(nonce, ad, viaOssl, 0, size + 16) != size
              || !Arrays.equals(viaOssl, 0, size, p, 0, size)) {
            return "OpenSSL does not open its own output at " + size + " bytes";
          }
          viaJdk[size] ^= 1;
          byte[] tampered = viaJdk.clone();
          if (ossl.open(nonce, ad, viaJdk, 0, size + 16) != -1
              || !Arrays.equals(viaJdk, tampered)) {
            return "OpenSSL accepted a forged tag or changed the buffer at " + size + " bytes";
          }
        }
        return null;
      } finally {
        ossl.destroy();
        jdk.destroy();
      }
    } catch (RuntimeException | LinkageError e) {
      return "OpenSSL self-test failed: " + e;
    }
  }
}
