package io.weft.control.noise;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A byte stream over Noise transport records after the handshake:
 *
 * <pre>
 *   0                   1                   2
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 ...
 *  +-------------------------------+-------------------------
 *  |   length (u16, big-endian)    | ciphertext (length bytes: plaintext + 16-byte tag)
 *  +-------------------------------+-------------------------
 * </pre>
 *
 * Records hold at most {@link #MAX_RECORD} bytes of ciphertext (Noise's 65535-byte limit). The
 * output side buffers writes and seals one record per {@code flush()} or full buffer; the input
 * side opens records in order, and a record that does not authenticate ends the stream with an
 * {@link IOException}. One thread may read while another writes.
 */
public final class NoiseStream implements AutoCloseable {
  /** Noise's maximum message size (§3). */
  public static final int MAX_RECORD = 65535;

  /** Most plaintext bytes in one record. */
  public static final int MAX_PLAINTEXT = MAX_RECORD - 16;

  private final CipherPair ciphers;
  private final InputStream rawIn;
  private final OutputStream rawOut;
  private final In in = new In();
  private final Out out = new Out();

  public NoiseStream(CipherPair ciphers, InputStream rawIn, OutputStream rawOut) {
    this.ciphers = ciphers;
    this.rawIn = rawIn;
    this.rawOut = rawOut;
  }

  /** The decrypted input. */
  public InputStream in() {
    return in;
  }

  /** The encrypting output; call {@code flush()} to send. */
  public OutputStream out() {
    return out;
  }

  @Override
  public void close() throws IOException {
    try {
      rawOut.close();
    } finally {
      rawIn.close();
      ciphers.destroy();
    }
  }

  private final class In extends InputStream {
    private final byte[] record = new byte[MAX_RECORD];
    private int pos;
    private int limit;

    @Override
    public int read() throws IOException {
      if (!fill()) {
        return -1;
      }
      return record[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!fill()) {
        return -1;
      }
      int n = Math.min(len, limit - pos);
      System.arraycopy(record, pos, b, off, n);
      pos += n;
      return n;
    }

    @Override
    public int available() {
      return limit - pos;
    }

    private boolean fill() throws IOException {
      while (pos == limit) {
        int hi = rawIn.read();
        if (hi < 0) {
          return false;
        }
        int lo = rawIn.read();
        if (lo < 0) {
          throw new EOFException("truncated record header");
        }
        int len = (hi << 8) | lo;
        if (len < 16) {
          throw new IOException("record shorter than its tag");
        }
        int got = rawIn.readNBytes(record, 0, len);
        if (got != len) {
          throw new EOFException("truncated record");
        }
        int plain;
        try {
          plain = ciphers.open(record, 0, len);
        } catch (IllegalStateException e) {
          throw closed(e); // closed by another thread while this one read
        }
        if (plain < 0) {
          throw new IOException("record does not authenticate");
        }
        pos = 0;
        limit = plain;
      }
      return true;
    }
  }

  private final class Out extends OutputStream {
    private final byte[] buf = new byte[2 + MAX_RECORD];
    private int len;

    @Override
    public synchronized void write(int b) throws IOException {
      if (len == MAX_PLAINTEXT) {
        sealAndSend();
      }
      buf[2 + len++] = (byte) b;
    }

    @Override
    public synchronized void write(byte[] b, int off, int n) throws IOException {
      while (n > 0) {
        if (len == MAX_PLAINTEXT) {
          sealAndSend();
        }
        int chunk = Math.min(n, MAX_PLAINTEXT - len);
        System.arraycopy(b, off, buf, 2 + len, chunk);
        len += chunk;
        off += chunk;
        n -= chunk;
      }
    }

    @Override
    public synchronized void flush() throws IOException {
      if (len > 0) {
        sealAndSend();
      }
      rawOut.flush();
    }

    @Override
    public void close() throws IOException {
      NoiseStream.this.close();
    }

    private void sealAndSend() throws IOException {
      int sealed;
      try {
        sealed = ciphers.seal(buf, 2, len);
      } catch (IllegalStateException e) {
        throw closed(e); // closed by another thread, or the nonce space is exhausted
      }
      buf[0] = (byte) (sealed >>> 8);
      buf[1] = (byte) sealed;
      rawOut.write(buf, 0, 2 + sealed);
      len = 0;
    }
  }

  /** What a reader or writer sees once the ciphers are gone: an I/O error, not a crash. */
  private static IOException closed(IllegalStateException e) {
    return new IOException("control channel closed: " + e.getMessage(), e);
  }
}
