package io.weft.wg.crypto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A built-in known-answer self-test of every primitive in this package, one or two vectors each,
 * embedded here so that shipped code needs no test-vector files: {@code weft quickstart} runs it.
 * The full sets live in the {@code testvectors} module; {@code SelfTestTest} checks that every
 * vector here is one of theirs.
 *
 * <p>Sources: RFC 7748 sections 5.2 and 6.1 (X25519); RFC 8439 section 2.8.2 (ChaCha20-Poly1305);
 * draft-irtf-cfrg-xchacha-03 sections 2.2.1 and A.3.1 (HChaCha20, XChaCha20-Poly1305); RFC 7693
 * Appendix B and the BLAKE2 reference KAT (BLAKE2s, keyed); RFC 2104 over BLAKE2s, generated
 * (HMAC-BLAKE2s); wireguard-go {@code device/kdf_test.go} TestKDF (KDF1..3).
 */
public final class SelfTest {
  private SelfTest() {}

  /** One primitive's outcome: how many of its vectors matched, and where they come from. */
  public record Result(String primitive, int passed, int total, String source) {
    /** Whether every vector matched. */
    public boolean ok() {
      return passed == total;
    }
  }

  /** Runs every vector; never throws (an exception counts as a mismatch). */
  public static List<Result> run() {
    final List<Result> out = new ArrayList<>();
    out.add(
        check(
            "X25519",
            "RFC 7748 5.2, 6.1",
            SelfTest::x25519Scalarmult,
            SelfTest::x25519Iterate,
            SelfTest::x25519Dh));
    out.add(check("ChaCha20-Poly1305", "RFC 8439 2.8.2", SelfTest::chacha20Poly1305));
    out.add(
        check(
            "XChaCha20-Poly1305",
            "draft-irtf-cfrg-xchacha-03 2.2.1, A.3.1",
            SelfTest::hChaCha20,
            SelfTest::xChaCha20Poly1305));
    out.add(
        check(
            "BLAKE2s",
            "RFC 7693 App. B; BLAKE2 reference KAT",
            SelfTest::blake2s,
            SelfTest::blake2sKeyed));
    out.add(check("HMAC-BLAKE2s", "RFC 2104 over BLAKE2s (generated)", SelfTest::hmac));
    out.add(check("KDF1..3", "wireguard-go device/kdf_test.go", SelfTest::kdf));
    return out;
  }

  /** Whether every vector of {@link #run} matches. */
  public static boolean passes() {
    return run().stream().allMatch(Result::ok);
  }

  private static Result check(String primitive, String source, BooleanSupplier... vectors) {
    int passed = 0;
    for (BooleanSupplier v : vectors) {
      try {
        if (v.getAsBoolean()) {
          passed++;
        }
      } catch (RuntimeException e) {
        // a mismatch
      }
    }
    return new Result(primitive, passed, vectors.length, source);
  }

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  // RFC 7748 5.2, first vector.
  static final String X25519_SCALAR =
      "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4";
  static final String X25519_U = "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c";
  static final String X25519_OUT =
      "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552";
  // RFC 7748 5.2: k = u = 9, then k, u = X25519(k, u), k; after one iteration.
  static final String X25519_ITERATE_1 =
      "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079";
  // RFC 7748 6.1.
  static final String DH_ALICE_PRIVATE =
      "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
  static final String DH_ALICE_PUBLIC =
      "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
  static final String DH_BOB_PUBLIC =
      "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
  static final String DH_SHARED =
      "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

  // RFC 8439 2.8.2.
  static final String AEAD_KEY = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
  static final String AEAD_NONCE = "070000004041424344454647";
  static final String AEAD_AAD = "50515253c0c1c2c3c4c5c6c7";
  static final String AEAD_PLAINTEXT =
      "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
          + "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
          + "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
          + "637265656e20776f756c642062652069742e";
  static final String AEAD_CIPHERTEXT =
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
          + "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
          + "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
          + "3ff4def08e4b7a9de576d26586cec64b6116";
  static final String AEAD_TAG = "1ae10b594f09e26a7e902ecbd0600691";

  // draft-irtf-cfrg-xchacha-03 2.2.1.
  static final String HCHACHA_KEY =
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
  static final String HCHACHA_NONCE = "000000090000004a0000000031415927";
  static final String HCHACHA_OUT =
      "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc";
  // draft-irtf-cfrg-xchacha-03 A.3.1.
  static final String XAEAD_KEY =
      "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
  static final String XAEAD_NONCE = "404142434445464748494a4b4c4d4e4f5051525354555657";
  static final String XAEAD_AAD = "50515253c0c1c2c3c4c5c6c7";
  static final String XAEAD_PLAINTEXT =
      "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
          + "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
          + "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
          + "637265656e20776f756c642062652069742e";
  static final String XAEAD_CIPHERTEXT =
      "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
          + "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
          + "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
          + "21f9664c97637da9768812f615c68b13b52e";
  static final String XAEAD_TAG = "c0875924c1c7987947deafd8780acf49";

  // RFC 7693 Appendix B: BLAKE2s-256("abc").
  static final String BLAKE2S_INPUT = "616263";
  static final String BLAKE2S_OUT =
      "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982";
  // BLAKE2 reference KAT, keyed, input length 0.
  static final String BLAKE2S_KEY =
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
  static final String BLAKE2S_KEYED_OUT =
      "48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49";
  // RFC 2104 HMAC over BLAKE2s-256, generated: 32-byte key (0x80 + i) & 0xff, 3 input bytes i &
  // 0xff.
  static final String HMAC_KEY = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
  static final String HMAC_INPUT = "000102";
  static final String HMAC_OUT = "19680e09b430467bd17155dffad4091c39ee0d5dabf0b840672200c384e2d715";
  // wireguard-go TestKDF: key "test-key", input "test-input".
  static final String KDF_KEY = "746573742d6b6579";
  static final String KDF_INPUT = "746573742d696e707574";
  static final String KDF_T0 = "6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633";
  static final String KDF_T1 = "df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a";
  static final String KDF_T2 = "fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24";

  private static boolean x25519Scalarmult() {
    final byte[] r = new byte[32];
    X25519.sharedSecret(hex(X25519_SCALAR), 0, hex(X25519_U), 0, r, 0);
    return Arrays.equals(r, hex(X25519_OUT));
  }

  private static boolean x25519Iterate() {
    final byte[] nine = new byte[32];
    nine[0] = 9;
    final byte[] r = new byte[32];
    X25519.sharedSecret(nine, 0, nine, 0, r, 0);
    return Arrays.equals(r, hex(X25519_ITERATE_1));
  }

  private static boolean x25519Dh() {
    final byte[] r = new byte[32];
    X25519.sharedSecret(hex(DH_ALICE_PRIVATE), 0, hex(DH_BOB_PUBLIC), 0, r, 0);
    return Arrays.equals(X25519.publicKey(hex(DH_ALICE_PRIVATE)), hex(DH_ALICE_PUBLIC))
        && Arrays.equals(r, hex(DH_SHARED));
  }

  private static boolean chacha20Poly1305() {
    final byte[] pt = hex(AEAD_PLAINTEXT);
    final byte[] buf = Arrays.copyOf(pt, pt.length + 16);
    final ChaCha20Poly1305 aead = new ChaCha20Poly1305(hex(AEAD_KEY));
    try {
      final int n = aead.sealWithNonce(hex(AEAD_NONCE), hex(AEAD_AAD), buf, 0, pt.length, buf, 0);
      final byte[] ct = hex(AEAD_CIPHERTEXT);
      return n == pt.length + 16
          && Arrays.equals(buf, 0, ct.length, ct, 0, ct.length)
          && Arrays.equals(buf, ct.length, n, hex(AEAD_TAG), 0, 16)
          && aead.openWithNonce(hex(AEAD_NONCE), hex(AEAD_AAD), buf, 0, n, buf, 0) == pt.length
          && Arrays.equals(buf, 0, pt.length, pt, 0, pt.length);
    } finally {
      aead.destroy();
    }
  }

  private static boolean hChaCha20() {
    final byte[] out = new byte[32];
    XChaCha20Poly1305.hChaCha20(hex(HCHACHA_KEY), hex(HCHACHA_NONCE), out);
    return Arrays.equals(out, hex(HCHACHA_OUT));
  }

  private static boolean xChaCha20Poly1305() {
    final byte[] pt = hex(XAEAD_PLAINTEXT);
    final byte[] out = new byte[pt.length + 16];
    XChaCha20Poly1305.seal(
        hex(XAEAD_KEY), hex(XAEAD_NONCE), hex(XAEAD_AAD), pt, 0, pt.length, out, 0);
    final byte[] ct = hex(XAEAD_CIPHERTEXT);
    return Arrays.equals(out, 0, ct.length, ct, 0, ct.length)
        && Arrays.equals(out, ct.length, out.length, hex(XAEAD_TAG), 0, 16);
  }

  private static boolean blake2s() {
    final byte[] in = hex(BLAKE2S_INPUT);
    return Arrays.equals(
        new Blake2s().initKeyed(32, new byte[0], 0, 0).update(in).doFinal(), hex(BLAKE2S_OUT));
  }

  private static boolean blake2sKeyed() {
    final byte[] key = hex(BLAKE2S_KEY);
    return Arrays.equals(
        new Blake2s().initKeyed(32, key, 0, key.length).update(new byte[0]).doFinal(),
        hex(BLAKE2S_KEYED_OUT));
  }

  private static boolean hmac() {
    return Arrays.equals(HmacBlake2s.mac(hex(HMAC_KEY), hex(HMAC_INPUT)), hex(HMAC_OUT));
  }

  private static boolean kdf() {
    final byte[][] t = Kdf.kdf3(hex(KDF_KEY), hex(KDF_INPUT));
    return Arrays.equals(t[0], hex(KDF_T0))
        && Arrays.equals(t[1], hex(KDF_T1))
        && Arrays.equals(t[2], hex(KDF_T2));
  }
}
