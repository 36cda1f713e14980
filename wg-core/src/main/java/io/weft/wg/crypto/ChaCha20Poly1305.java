package io.weft.wg.crypto;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;

/**
 * ChaCha20-Poly1305 AEAD (RFC 8439 §2.8) under one key, sealing and opening in place.
 *
 * <p>Two engines sit behind this class ({@link Engine}): OpenSSL 3's libcrypto through FFM (about
 * 3× the JDK cipher on this machine and allocation-free, see {@code bench/README.md}) and the JDK's
 * {@code ChaCha20-Poly1305} cipher. {@link Engine#DEFAULT} is OpenSSL when libcrypto loads and
 * passes a known-answer self-test at class initialisation, else the JDK; {@code -Dweft.aead=} or
 * the environment variable {@code WEFT_AEAD} ({@code jdk} or {@code openssl}) overrides it.
 *
 * <p>Every index is checked here, in Java, before an engine is called: a bad offset, length or
 * nonce is an {@link IndexOutOfBoundsException} or {@link IllegalArgumentException}, never a native
 * access. Open returns -1 when the tag does not verify and leaves the buffer (or the output region)
 * as it was.
 *
 * <p>WireGuard's nonce is 32 zero bits then the 64-bit little-endian counter (paper §5.4.6).
 *
 * <p>Not thread-safe: one thread at a time per instance (the device holds a lock per keypair
 * direction, and each crypto worker has its own instances). Overlapping calls from two threads, and
 * any call after {@link #destroy()}, throw {@link IllegalStateException} instead of reaching the
 * engine: for the OpenSSL engine that would touch a freed context.
 */
public final class ChaCha20Poly1305 {
  /** Key length in bytes. */
  public static final int KEY_LENGTH = 32;

  /** Nonce length in bytes. */
  public static final int NONCE_LENGTH = 12;

  /** Authentication tag length in bytes. */
  public static final int TAG_LENGTH = 16;

  /** An implementation to run on. */
  public enum Engine {
    /** The JDK's {@code ChaCha20-Poly1305} cipher. */
    JDK,
    /** OpenSSL 3's libcrypto, through FFM. */
    OPENSSL;

    /** The engine new instances use: see the class comment. */
    public static final Engine DEFAULT = Selection.ENGINE;

    /** Whether this engine can be used in this JVM (libcrypto loaded and passed its self-test). */
    public boolean available() {
      return this == JDK || Selection.OPENSSL_PROBLEM == null;
    }

    /** Why this engine is unavailable, or null. */
    public String problem() {
      return this == JDK ? null : Selection.OPENSSL_PROBLEM;
    }
  }

  private static final int IDLE = 0;
  private static final int BUSY = 1;
  private static final int DESTROYED = 2;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(ChaCha20Poly1305.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final AeadEngine engine;
  private final Engine kind;
  private final byte[] nonce = new byte[NONCE_LENGTH];

  @SuppressWarnings("unused") // through STATE
  private volatile int state;

  /** An instance keyed with {@code key} (32 bytes, copied) on {@link Engine#DEFAULT}. */
  public ChaCha20Poly1305(byte[] key) {
    this(key, Engine.DEFAULT);
  }

  /** An instance keyed with {@code key} (32 bytes, copied) on {@code engine}. */
  public ChaCha20Poly1305(byte[] key, Engine engine) {
    Objects.checkFromIndexSize(0, KEY_LENGTH, key.length);
    if (!engine.available()) {
      throw new IllegalStateException(
          "ChaCha20-Poly1305 engine " + engine + " unavailable: " + engine.problem());
    }
    this.kind = engine;
    this.engine = engine == Engine.OPENSSL ? new OpenSslAead(key, 0) : new JdkAead(key, 0);
  }

  /** The engine this instance runs on. */
  public Engine engine() {
    return kind;
  }

  /** Replaces the key with {@code key[off, off + 32)}. */
  public void rekey(byte[] key, int off) {
    Objects.checkFromIndexSize(off, KEY_LENGTH, key.length);
    enter();
    try {
      engine.rekey(key, off);
    } finally {
      exit();
    }
  }

  /** Writes WireGuard's nonce for {@code counter} into {@code nonce}. */
  static void counterNonce(long counter, byte[] nonce) {
    nonce[0] = 0;
    nonce[1] = 0;
    nonce[2] = 0;
    nonce[3] = 0;
    for (int i = 0; i < 8; i++) {
      nonce[4 + i] = (byte) (counter >>> (8 * i));
    }
  }

  /**
   * Seals {@code buf[off, off + len)} in place with counter {@code counter}, appending the tag
   * (which must fit in {@code buf}).
   *
   * @param aad additional data, or null
   * @return the sealed length, {@code len + 16}
   */
  public int seal(long counter, byte[] aad, byte[] buf, int off, int len) {
    checkRegion(off, len, TAG_LENGTH, buf.length);
    enter();
    try {
      counterNonce(counter, nonce);
      return engine.seal(nonce, aad, buf, off, len);
    } finally {
      exit();
    }
  }

  /**
   * Opens {@code buf[off, off + len)} (ciphertext then tag) in place.
   *
   * @return the plaintext length, or -1 when the tag does not verify (buffer unchanged)
   */
  public int open(long counter, byte[] aad, byte[] buf, int off, int len) {
    checkRegion(off, len, 0, buf.length);
    if (len < TAG_LENGTH) {
      return -1;
    }
    enter();
    try {
      counterNonce(counter, nonce);
      return engine.open(nonce, aad, buf, off, len);
    } finally {
      exit();
    }
  }

  /**
   * {@link #seal(long, byte[], byte[], int, int)} on a buffer, at absolute indexes; the sealed
   * region must end within the buffer's limit.
   */
  public int seal(long counter, byte[] aad, ByteBuffer buf, int off, int len) {
    if (buf.hasArray()) {
      checkRegion(off, len, TAG_LENGTH, buf.limit());
      return seal(counter, aad, buf.array(), buf.arrayOffset() + off, len);
    }
    checkWritable(buf);
    checkRegion(off, len, TAG_LENGTH, buf.limit());
    enter();
    try {
      counterNonce(counter, nonce);
      return engine.seal(nonce, aad, buf, off, len);
    } finally {
      exit();
    }
  }

  /** {@link #open(long, byte[], byte[], int, int)} on a buffer, at absolute indexes. */
  public int open(long counter, byte[] aad, ByteBuffer buf, int off, int len) {
    if (buf.hasArray()) {
      checkRegion(off, len, 0, buf.limit());
      return open(counter, aad, buf.array(), buf.arrayOffset() + off, len);
    }
    checkWritable(buf);
    checkRegion(off, len, 0, buf.limit());
    if (len < TAG_LENGTH) {
      return -1;
    }
    enter();
    try {
      counterNonce(counter, nonce);
      return engine.open(nonce, aad, buf, off, len);
    } finally {
      exit();
    }
  }

  /**
   * {@link #sealWithNonce} with a cipher used once and destroyed at once, so no copy of {@code key}
   * outlives the call (handshake and cookie messages).
   */
  public static int sealOnce(
      byte[] key,
      byte[] nonce12,
      byte[] aad,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff) {
    ChaCha20Poly1305 aead = new ChaCha20Poly1305(key);
    try {
      return aead.sealWithNonce(nonce12, aad, in, inOff, len, out, outOff);
    } finally {
      aead.destroy();
    }
  }

  /**
   * {@link #openWithNonce} with a cipher used once and destroyed at once (see {@link #sealOnce}).
   */
  public static int openOnce(
      byte[] key,
      byte[] nonce12,
      byte[] aad,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff) {
    ChaCha20Poly1305 aead = new ChaCha20Poly1305(key);
    try {
      return aead.openWithNonce(nonce12, aad, in, inOff, len, out, outOff);
    } finally {
      aead.destroy();
    }
  }

  /**
   * Seals {@code in[inOff, inOff + len)} with an explicit 12-byte nonce into {@code out} at {@code
   * outOff} (may be the same region, or overlap it).
   */
  public int sealWithNonce(
      byte[] nonce12, byte[] aad, byte[] in, int inOff, int len, byte[] out, int outOff) {
    checkNonce(nonce12);
    checkRegion(inOff, len, 0, in.length);
    checkRegion(outOff, len, TAG_LENGTH, out.length);
    enter();
    try {
      if (in != out || inOff != outOff) {
        System.arraycopy(in, inOff, out, outOff, len);
      }
      return engine.seal(nonce12, aad, out, outOff, len);
    } finally {
      exit();
    }
  }

  /**
   * Opens {@code in[inOff, inOff + len)} with an explicit nonce into {@code out} at {@code outOff};
   * returns the plaintext length or -1 when the tag does not verify (nothing written).
   */
  public int openWithNonce(
      byte[] nonce12, byte[] aad, byte[] in, int inOff, int len, byte[] out, int outOff) {
    checkNonce(nonce12);
    checkRegion(inOff, len, 0, in.length);
    if (len < TAG_LENGTH) {
      return -1;
    }
    checkRegion(outOff, len - TAG_LENGTH, 0, out.length);
    enter();
    try {
      if (in == out && inOff == outOff) {
        return engine.open(nonce12, aad, out, outOff, len);
      }
      return engine.openInto(nonce12, aad, in, inOff, len, out, outOff);
    } finally {
      exit();
    }
  }

  /**
   * Erases this instance's key (and frees the OpenSSL context); later calls throw {@link
   * IllegalStateException}. Waits for a call in progress on another thread; repeated calls are
   * harmless.
   */
  public void destroy() {
    long deadline = System.nanoTime() + 10_000_000_000L;
    int spins = 0;
    while (true) {
      int s = (int) STATE.compareAndExchange(this, IDLE, DESTROYED);
      if (s == IDLE) {
        break;
      }
      if (s == DESTROYED) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("ChaCha20-Poly1305 instance stayed busy for 10 s");
      }
      if (++spins < 1_000) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
    engine.destroy();
  }

  private void enter() {
    if (!STATE.compareAndSet(this, IDLE, BUSY)) {
      throw new IllegalStateException(
          (int) STATE.getVolatile(this) == DESTROYED
              ? "ChaCha20-Poly1305 instance used after destroy()"
              : "ChaCha20-Poly1305 instance used by two threads at once");
    }
  }

  private void exit() {
    STATE.setRelease(this, IDLE);
  }

  /** Checks {@code [off, off + len + extra)} lies in {@code [0, capacity)}, in long arithmetic. */
  private static void checkRegion(int off, int len, int extra, int capacity) {
    if (off < 0 || len < 0 || (long) off + len + extra > capacity) {
      throw new IndexOutOfBoundsException(
          "region ["
              + off
              + ", "
              + off
              + " + "
              + len
              + " + "
              + extra
              + ") outside [0, "
              + capacity
              + ")");
    }
  }

  private static void checkNonce(byte[] nonce12) {
    if (nonce12.length != NONCE_LENGTH) {
      throw new IllegalArgumentException("nonce must be 12 bytes, got " + nonce12.length);
    }
  }

  private static void checkWritable(ByteBuffer buf) {
    if (buf.isReadOnly()) {
      throw new ReadOnlyBufferException();
    }
    if (!buf.isDirect()) {
      throw new IllegalArgumentException("buffer neither array-backed nor direct");
    }
  }

  @Override
  public String toString() {
    return "ChaCha20Poly1305[" + kind + ", key hidden]";
  }
}
