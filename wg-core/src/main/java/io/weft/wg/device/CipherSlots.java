package io.weft.wg.device;

import io.weft.wg.crypto.ChaCha20Poly1305;

/** A cipher per crypto participant, re-keyed when the keypair changes (once per session). */
final class CipherSlots {
  final ChaCha20Poly1305[] aead;
  final Keypair[] keyedFor;
  final boolean send;

  CipherSlots(int participants, boolean send) {
    aead = new ChaCha20Poly1305[participants];
    keyedFor = new Keypair[participants];
    this.send = send;
  }

  ChaCha20Poly1305 forKeypair(int participant, Keypair kp) {
    if (keyedFor[participant] != kp) {
      byte[] key = send ? kp.sendKey : kp.receiveKey;
      if (aead[participant] == null) {
        aead[participant] = new ChaCha20Poly1305(key);
      } else {
        aead[participant].rekey(key, 0);
      }
      keyedFor[participant] = kp;
    }
    return aead[participant];
  }
}
