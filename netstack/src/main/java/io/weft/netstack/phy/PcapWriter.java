package io.weft.netstack.phy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.LongSupplier;

/**
 * Writes packets to a classic libpcap file: a 24-byte global header (magic 0xa1b2c3d4 in this
 * machine-independent little-endian form, version 2.4, snaplen 65535, link type 101 = RAW) and per
 * packet a 16-byte record header (seconds, microseconds, captured and original length) followed by
 * the bytes. As a {@link PacketSink} it records and forwards to a delegate.
 */
public final class PcapWriter implements PacketSink, AutoCloseable {
  public static final int MAGIC = 0xA1B2C3D4;
  public static final int LINKTYPE_RAW = 101;
  public static final int SNAPLEN = 65535;

  private final OutputStream out;
  private final LongSupplier clockNanos;
  private final PacketSink delegate;
  private final ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
  private final byte[] copy = new byte[SNAPLEN];

  /**
   * @param out where the file goes (written as packets arrive; not buffered here)
   * @param clockNanos timestamps, nanoseconds since the epoch (or since a simulation start)
   * @param delegate where packets go next, or null
   */
  public PcapWriter(OutputStream out, LongSupplier clockNanos, PacketSink delegate) {
    this.out = out;
    this.clockNanos = clockNanos;
    this.delegate = delegate;
    header
        .putInt(0, MAGIC)
        .putShort(4, (short) 2)
        .putShort(6, (short) 4)
        .putInt(8, 0)
        .putInt(12, 0)
        .putInt(16, SNAPLEN)
        .putInt(20, LINKTYPE_RAW);
    write(header.array(), 24);
  }

  @Override
  public void send(ByteBuffer buffer, int offset, int length) {
    final long t = clockNanos.getAsLong();
    final int captured = Math.min(length, SNAPLEN);
    header
        .putInt(0, (int) (t / 1_000_000_000L))
        .putInt(4, (int) (t % 1_000_000_000L / 1000))
        .putInt(8, captured)
        .putInt(12, length);
    write(header.array(), 16);
    buffer.get(offset, copy, 0, captured);
    write(copy, captured);
    if (delegate != null) {
      delegate.send(buffer, offset, length);
    }
  }

  private void write(byte[] bytes, int length) {
    try {
      out.write(bytes, 0, length);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
