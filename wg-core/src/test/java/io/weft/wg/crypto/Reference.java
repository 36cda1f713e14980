package io.weft.wg.crypto;

import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;
import org.bouncycastle.crypto.digests.Blake2sDigest;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/** Independent implementations the chosen primitives are checked against. */
final class Reference {
  private Reference() {}

  /** BouncyCastle's ChaCha20-Poly1305 seal; returns ciphertext || tag. */
  static byte[] bcSeal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) throws Exception {
    ChaCha20Poly1305 c = new ChaCha20Poly1305();
    c.init(true, new AEADParameters(new KeyParameter(key), 128, nonce, aad));
    byte[] out = new byte[c.getOutputSize(plaintext.length)];
    int n = c.processBytes(plaintext, 0, plaintext.length, out, 0);
    c.doFinal(out, n);
    return out;
  }

  /** BouncyCastle's BLAKE2s (keyed when key is non-empty). */
  static byte[] bcBlake2s(byte[] key, int outLen, byte[] in) {
    Blake2sDigest d =
        key.length == 0
            ? new Blake2sDigest(outLen * 8)
            : new Blake2sDigest(key, outLen, null, null);
    d.update(in, 0, in.length);
    byte[] out = new byte[outLen];
    d.doFinal(out, 0);
    return out;
  }

  /** The JDK's XDH X25519; null when the JDK refuses the point (small order). */
  static byte[] jdkX25519(byte[] scalar, byte[] u) throws Exception {
    KeyFactory kf = KeyFactory.getInstance("XDH");
    var priv = kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar.clone()));
    byte[] be = new byte[32];
    for (int i = 0; i < 32; i++) {
      be[i] = u[31 - i];
    }
    be[0] &= 0x7f; // RFC 7748 §5: the top bit of u is masked
    var pub =
        kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, be)));
    KeyAgreement ka = KeyAgreement.getInstance("XDH");
    ka.init(priv);
    try {
      ka.doPhase(pub, true);
      return ka.generateSecret();
    } catch (java.security.InvalidKeyException | IllegalStateException e) {
      return null; // the JDK refuses small-order points whose shared secret is zero
    }
  }
}
