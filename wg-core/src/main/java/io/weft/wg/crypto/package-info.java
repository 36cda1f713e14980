/**
 * WireGuard's cryptographic primitives (paper §5.4, "Cryptographic Primitives"), each chosen by
 * measurement on the target machine ({@code bench/README.md}):
 *
 * <ul>
 *   <li>{@link io.weft.wg.crypto.X25519} — RFC 7748 §5, BouncyCastle's constant-time arithmetic;
 *       all-zero shared secrets are rejected.
 *   <li>{@link io.weft.wg.crypto.ChaCha20Poly1305} — RFC 8439 §2.8, in place, on OpenSSL 3's
 *       libcrypto through FFM when it loads and passes a self-test, else on the JDK cipher ({@code
 *       WEFT_AEAD=jdk|openssl} overrides).
 *   <li>{@link io.weft.wg.crypto.XChaCha20Poly1305} — draft-irtf-cfrg-xchacha §2, for cookies.
 *   <li>{@link io.weft.wg.crypto.Blake2s} — RFC 7693, own implementation (allocation-free, keyed).
 *   <li>{@link io.weft.wg.crypto.HmacBlake2s} and {@link io.weft.wg.crypto.Kdf} — RFC 2104 / RFC
 *       5869 as the paper's HMAC and KDF1..3.
 * </ul>
 *
 * <p>Comparisons of MACs and tags are constant time ({@link io.weft.wg.crypto.ConstantTime}).
 */
package io.weft.wg.crypto;
