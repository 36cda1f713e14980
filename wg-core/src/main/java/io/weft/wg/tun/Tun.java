package io.weft.wg.tun;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A device that carries IP packets, read and written in batches into caller-owned buffers.
 *
 * <p>Packets sit in {@code bufs[i]} starting at absolute index {@code offset}: the room before
 * {@code offset} is left to the caller (the device puts the 16-byte WireGuard header there, so a
 * packet is sealed in place). Implementations: the kernel TUN in {@code tun-native}, the netstack
 * adapter, and an in-memory double in tests.
 */
public interface Tun extends Closeable {

  /**
   * Reads up to {@code bufs.length} packets; blocks until at least one is available, {@link
   * #wakeup()} is called (then it may return 0) or the device is closed.
   *
   * @param bufs destination buffers; packet {@code i} is written at {@code [offset, offset +
   *     sizes[i])}, positions and limits are left unchanged
   * @param sizes receives each packet's length
   * @param offset where packets start in each buffer
   * @return the number of packets read (at least 1 unless woken)
   * @throws IOException when the device fails or is closed ({@link
   *     java.nio.channels.ClosedChannelException})
   */
  int read(ByteBuffer[] bufs, int[] sizes, int offset) throws IOException;

  /**
   * Writes {@code count} packets; packet {@code i} is {@code bufs[i]} from {@code offset} to its
   * limit.
   *
   * @return the number of packets written
   */
  int write(ByteBuffer[] bufs, int count, int offset) throws IOException;

  /** How many packets one {@link #read} can return at most. */
  int batchSize();

  /** The device MTU in bytes. */
  int mtu();

  /** The interface name ({@code wg0}), or a description for devices without one. */
  String name();

  /**
   * Makes a reader blocked in {@link #read} return, with 0 packets if none is ready; a reader not
   * blocked returns from its next wait. For a caller with packets of its own to hand to the reader
   * (the packet pipeline's injected packets). Any thread; idempotent between reads.
   *
   * @return whether this device supports it (false: the reader wakes only for a packet)
   */
  default boolean wakeup() {
    return false;
  }
}
