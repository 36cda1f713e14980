package io.weft.derp.wire;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Splits a DERP byte stream into frames. It never throws on its input: a frame whose declared
 * length exceeds the limit for its type ends decoding with {@link #TOO_LARGE} (the Go peers close
 * the connection then too), a frame of an unknown type is skipped as its bytes arrive (never
 * buffered) and counted, and a known frame whose body fails {@link Frame#checkLength()} is counted
 * as malformed and still handed to the handler, which decides (the server closes).
 *
 * <p>The buffer starts small and grows to the largest frame seen, shrinking back after a frame over
 * 16 KiB, so an idle connection holds 2 KiB.
 */
public final class FrameDecoder {
  /** Decoding continues. */
  public static final int OK = 0;

  /** A frame declared more than its type allows; the stream is no longer decodable. */
  public static final int TOO_LARGE = -1;

  /** The handler asked to stop; the input's position is just past the frame it was given. */
  public static final int STOPPED = -2;

  /** Receives each complete frame; the frame is only valid during the call. */
  public interface Handler {
    /** Returns false to stop decoding (the connection is closing). */
    boolean onFrame(Frame frame);
  }

  /** Which frame types a side knows and how long each may be. */
  public interface Limits {
    /** The largest body of {@code type}, or -1 when the type is unknown (skipped). */
    long maxBody(int type);
  }

  /** The client's rule: any frame up to 1 MiB; every type is delivered (unknown ones count). */
  public static final Limits CLIENT = type -> FrameType.CLIENT_MAX_FRAME;

  /** The server's rules: per-type caps from derpserver.go; server-to-client types are unknown. */
  public static final Limits SERVER =
      type ->
          switch (type) {
            case FrameType.CLIENT_INFO -> FrameType.SERVER_MAX_CLIENT_INFO;
            case FrameType.SEND_PACKET -> FrameType.KEY_LENGTH + FrameType.MAX_PACKET_SIZE;
            case FrameType.FORWARD_PACKET -> 2 * FrameType.KEY_LENGTH + FrameType.MAX_PACKET_SIZE;
            case FrameType.PING -> FrameType.MAX_PING_BODY;
            case FrameType.NOTE_PREFERRED,
                FrameType.WATCH_CONNS,
                FrameType.CLOSE_PEER,
                FrameType.PONG ->
                FrameType.MAX_PING_BODY;
            default -> -1;
          };

  private static final int INITIAL = 2048;
  private static final int SHRINK_ABOVE = 16 << 10;

  private final Limits limits;
  private final Frame frame = new Frame();
  private byte[] buf = new byte[INITIAL];
  private int have;
  private long skipRemaining;
  private boolean failed;

  private long frames;
  private long unknownSkipped;
  private long malformed;

  public FrameDecoder(Limits limits) {
    this.limits = limits;
  }

  /** Feeds {@code src[off, off+len)}. */
  public int feed(byte[] src, int off, int len, Handler h) {
    return feed(ByteBuffer.wrap(src, off, len), h);
  }

  /** Feeds the remaining bytes of {@code in} (consumed whatever the result). */
  public int feed(ByteBuffer in, Handler h) {
    if (failed) {
      in.position(in.limit());
      return TOO_LARGE;
    }
    while (in.hasRemaining()) {
      if (skipRemaining > 0) {
        int n = (int) Math.min(skipRemaining, in.remaining());
        in.position(in.position() + n);
        skipRemaining -= n;
        continue;
      }
      if (have < FrameType.HEADER_LENGTH) {
        int n = Math.min(FrameType.HEADER_LENGTH - have, in.remaining());
        in.get(buf, have, n);
        have += n;
        if (have < FrameType.HEADER_LENGTH) {
          return OK;
        }
        int type = buf[0] & 0xff;
        long len = Frames.bodyLength(buf, 0);
        long max = limits.maxBody(type);
        if (max < 0) {
          unknownSkipped++;
          have = 0;
          skipRemaining = len;
          continue;
        }
        if (len > max) {
          failed = true;
          malformed++;
          in.position(in.limit());
          return TOO_LARGE;
        }
        int need = FrameType.HEADER_LENGTH + (int) len;
        if (buf.length < need) {
          buf = Arrays.copyOf(buf, need);
        }
      }
      int need = FrameType.HEADER_LENGTH + (int) Frames.bodyLength(buf, 0);
      int n = Math.min(need - have, in.remaining());
      in.get(buf, have, n);
      have += n;
      if (have < need) {
        return OK;
      }
      have = 0;
      frames++;
      frame.wrap(buf[0] & 0xff, buf, FrameType.HEADER_LENGTH, need - FrameType.HEADER_LENGTH);
      boolean ok = frame.checkLength();
      boolean go;
      if (!ok) {
        malformed++;
      }
      go = h.onFrame(frame);
      if (buf.length > SHRINK_ABOVE) {
        buf = new byte[INITIAL];
      }
      if (!go) {
        return STOPPED; // the bytes after this frame stay in {@code in} for a later feed
      }
    }
    return OK;
  }

  /** Frames decoded (delivered to the handler). */
  public long frames() {
    return frames;
  }

  /** Frames of unknown type skipped. */
  public long unknownSkipped() {
    return unknownSkipped;
  }

  /** Frames too long for their type or failing their length check. */
  public long malformed() {
    return malformed;
  }

  /** Bytes this decoder holds (for memory accounting). */
  public int bufferCapacity() {
    return buf.length;
  }
}
