package io.weft.tun.windows;

import io.weft.tun.io.BufferViews;
import io.weft.wg.nativeio.CloseGate;
import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;

/**
 * A Wintun adapter. Not yet run on Windows (see the package documentation).
 *
 * <p>Reads drain the receive ring until it is empty or the batch is full; only an empty ring at the
 * first packet waits. A full send ring drops the packet, as a network would, and so does a packet
 * that is empty or longer than {@link #MAX_PACKET_SIZE}; {@link #write} counts only the packets
 * handed to Wintun.
 */
public final class WindowsWintun implements Tun {
  /** Ring size for a session: a power of two in [128 KiB, 64 MiB]; wireguard-go uses 8 MiB. */
  public static final int RING_CAPACITY = 0x80_0000;

  /** {@code WINTUN_MAX_IP_PACKET_SIZE}. */
  public static final int MAX_PACKET_SIZE = 0xffff;

  /** Packets per {@link #read} unless asked otherwise. */
  public static final int DEFAULT_BATCH_SIZE = 128;

  /** The tunnel type Wintun records for adapters created here. */
  public static final String TUNNEL_TYPE = "Weft";

  private final CloseGate gate = new CloseGate();
  private final WintunApi api;
  private final long adapter;
  private final long session;
  private final long readEvent;
  private final long closeEvent;
  private final String name;
  private final int mtu;
  private final int batchSize;

  private WindowsWintun(
      WintunApi api,
      long adapter,
      long session,
      long closeEvent,
      String name,
      int mtu,
      int batchSize) {
    this.api = api;
    this.adapter = adapter;
    this.session = session;
    this.readEvent = api.readWaitEvent(session);
    this.closeEvent = closeEvent;
    this.name = name;
    this.mtu = mtu;
    this.batchSize = batchSize;
  }

  /** Creates adapter {@code name} through {@code wintun.dll}, sets its MTU, starts a session. */
  public static WindowsWintun open(String name, int mtu) throws IOException {
    return open(WintunDll.load(), name, mtu, DEFAULT_BATCH_SIZE);
  }

  static WindowsWintun open(WintunApi api, String name, int mtu, int batchSize) throws IOException {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("Wintun adapters need a name");
    }
    if (mtu < 576 || mtu > MAX_PACKET_SIZE) {
      throw new IllegalArgumentException("MTU " + mtu + " outside [576, " + MAX_PACKET_SIZE + "]");
    }
    final long adapter = api.createAdapter(name, TUNNEL_TYPE);
    long session = 0;
    long closeEvent = 0;
    try {
      api.setMtu(name, mtu);
      closeEvent = api.createEvent();
      session = api.startSession(adapter, RING_CAPACITY);
      return new WindowsWintun(api, adapter, session, closeEvent, name, mtu, batchSize);
    } catch (IOException | RuntimeException e) {
      if (session != 0) {
        api.endSession(session);
      }
      if (closeEvent != 0) {
        api.closeHandle(closeEvent);
      }
      api.closeAdapter(adapter);
      throw e;
    }
  }

  @Override
  public int read(ByteBuffer[] bufs, int[] sizes, int offset) throws IOException {
    final CloseGate g = gate;
    g.enter();
    try {
      final WintunApi api = this.api;
      final long session = this.session;
      final int max = Math.min(bufs.length, batchSize);
      int n = 0;
      while (n < max) {
        final MemorySegment packet = api.receivePacket(session);
        if (packet == null) {
          if (n > 0) {
            break;
          }
          await();
          continue;
        }
        final MemorySegment dst = BufferViews.whole(bufs[n]).asSlice(offset);
        final long size = packet.byteSize();
        if (size > dst.byteSize()) {
          api.releaseReceivePacket(session, packet);
          throw new IOException(
              "a "
                  + size
                  + "-byte packet does not fit buffer "
                  + n
                  + " ("
                  + dst.byteSize()
                  + " bytes after the offset)");
        }
        MemorySegment.copy(packet, 0, dst, 0, size);
        api.releaseReceivePacket(session, packet);
        sizes[n++] = (int) size;
      }
      return n;
    } finally {
      if (g.exit()) {
        release();
      }
    }
  }

  @Override
  public int write(ByteBuffer[] bufs, int count, int offset) throws IOException {
    final CloseGate g = gate;
    g.enter();
    try {
      final WintunApi api = this.api;
      final long session = this.session;
      int written = 0;
      for (int i = 0; i < count; i++) {
        final ByteBuffer b = bufs[i];
        final int length = b.limit() - offset;
        if (length <= 0 || length > MAX_PACKET_SIZE) {
          continue;
        }
        final MemorySegment room = api.allocateSendPacket(session, length);
        if (room == null) {
          continue;
        }
        MemorySegment.copy(BufferViews.whole(b), offset, room, 0, length);
        api.sendPacket(session, room);
        written++;
      }
      return written;
    } finally {
      if (g.exit()) {
        release();
      }
    }
  }

  private void await() throws IOException {
    api.waitForEither(readEvent, closeEvent);
    if (gate.isClosed()) {
      throw new AsynchronousCloseException();
    }
  }

  /** Wakes a blocked reader (it throws {@link AsynchronousCloseException}); idempotent. */
  @Override
  public void close() {
    if (!gate.closeAndEnter()) {
      return;
    }
    try {
      api.setEvent(closeEvent);
    } finally {
      if (gate.exit()) {
        release();
      }
    }
  }

  private void release() {
    api.endSession(session);
    api.closeAdapter(adapter);
    api.closeHandle(closeEvent);
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  @Override
  public int mtu() {
    return mtu;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return "WindowsWintun[" + name + ", mtu " + mtu + "]";
  }
}
