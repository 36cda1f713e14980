package io.weft.wg.noise;

import java.util.Arrays;

/**
 * The symmetric keys a completed handshake yields (paper §5.4.5), and who initiated it. The
 * receiver of this object owns the key arrays and must zero them ({@link #destroy}).
 *
 * @param sendKey key for messages we send
 * @param receiveKey key for messages we receive
 * @param initiator whether we initiated the handshake
 * @param localIndex our index, which the peer puts in messages to us
 * @param remoteIndex the peer's index, which we put in messages to it
 */
public record Session(
    byte[] sendKey, byte[] receiveKey, boolean initiator, int localIndex, int remoteIndex) {

  /** Zeroes both keys. */
  public void destroy() {
    Arrays.fill(sendKey, (byte) 0);
    Arrays.fill(receiveKey, (byte) 0);
  }

  @Override
  public String toString() {
    return "Session[initiator="
        + initiator
        + ", local="
        + Integer.toUnsignedString(localIndex)
        + ", remote="
        + Integer.toUnsignedString(remoteIndex)
        + ", keys hidden]";
  }
}
