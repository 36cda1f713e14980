package io.weft.wg.crypto;

import static io.weft.wg.nativeio.Libc.unexpected;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * ChaCha20-Poly1305 from OpenSSL 3's libcrypto ({@code EVP_chacha20_poly1305}), called through FFM.
 *
 * <p>One {@code EVP_CIPHER_CTX} per instance, keyed once (and on {@link #rekey}); per packet only
 * the nonce is set, then AAD, the in-place update, final and the tag control: five or six
 * downcalls, all linked {@code critical(true)} so heap arrays are passed without copying and
 * nothing is allocated. Tag comparison is OpenSSL's (constant time). OpenSSL decrypts before it
 * checks the tag, so a failed in-place open re-encrypts the region with the same nonce, which
 * restores the ciphertext byte for byte; out-of-place opens decrypt a copy and copy out only
 * verified plaintext.
 *
 * <p>The context is freed (OpenSSL cleanses the key schedule) by {@link #destroy()}, or by a {@link
 * Cleaner} when an instance that was never destroyed becomes unreachable (the handshake makes
 * short-lived instances). Callers guarantee one thread at a time and no use after destroy: {@link
 * ChaCha20Poly1305} enforces both before any downcall.
 */
final class OpenSslAead extends AeadEngine {
  private static final int EVP_CTRL_AEAD_SET_IVLEN = 0x9;
  private static final int EVP_CTRL_AEAD_GET_TAG = 0x10;
  private static final int EVP_CTRL_AEAD_SET_TAG = 0x11;
  private static final int TAG = ChaCha20Poly1305.TAG_LENGTH;
  private static final Cleaner CLEANER = Cleaner.create();

  private final MemorySegment ctx;

  /** {@code int outl} for every call. */
  private final MemorySegment outl;

  /** Where final may write (ChaCha20-Poly1305 writes nothing there). */
  private final MemorySegment sink;

  /** The nonce, copied in per call. */
  private final MemorySegment iv;

  private final Cleaner.Cleanable cleanable;

  /** Room for out-of-place opens, grown on demand and zeroed after each use. */
  private byte[] plainScratch;

  /** A native copy of the additional data, grown on demand. */
  private MemorySegment aadScratch;

  OpenSslAead(byte[] key, int off) {
    Lib.require();
    MemorySegment c = Lib.newCtx();
    if (c.equals(MemorySegment.NULL)) {
      throw new IllegalStateException("EVP_CIPHER_CTX_new failed");
    }
    ctx = c;
    cleanable = CLEANER.register(this, new Free(c.address()));
    MemorySegment scratch = Arena.ofAuto().allocate(64, 8);
    outl = scratch.asSlice(0, 4);
    sink = scratch.asSlice(8, 32);
    iv = scratch.asSlice(40, ChaCha20Poly1305.NONCE_LENGTH);
    boolean ok = false;
    try {
      check(Lib.setup(c, Lib.CIPHER, MemorySegment.NULL, 1), "EVP_CipherInit_ex(cipher)");
      check(
          Lib.ctrlNative(
              c, EVP_CTRL_AEAD_SET_IVLEN, ChaCha20Poly1305.NONCE_LENGTH, MemorySegment.NULL),
          "set IV length");
      rekey(key, off);
      ok = true;
    } finally {
      if (!ok) {
        cleanable.clean();
      }
    }
  }

  /** Whether libcrypto loaded; the reason when it did not. */
  static String unavailableReason() {
    return Lib.FAILURE == null ? null : Lib.FAILURE.toString();
  }

  @Override
  void rekey(byte[] key, int off) {
    MemorySegment k = MemorySegment.ofArray(key).asSlice(off, ChaCha20Poly1305.KEY_LENGTH);
    check(Lib.setup(ctx, MemorySegment.NULL, k, -1), "EVP_CipherInit_ex(key)");
    Reference.reachabilityFence(this);
  }

  // The heap and native paths are written out separately, each making its segments in the method
  // that passes them down: C2 then removes the segment objects (0 B per packet). A shared helper
  // taking the segment as a parameter kept them whenever it was compiled on its own.

  @Override
  int seal(byte[] nonce, byte[] aad, byte[] buf, int off, int len) {
    final MemorySegment c = ctx;
    final MemorySegment data = MemorySegment.ofArray(buf).asSlice(off, (long) len + TAG);
    start(c, nonce, aad, 1);
    if (len > 0) {
      check(Lib.updateHeap(c, data, outl, len), "EVP_CipherUpdate");
    }
    check(Lib.finish(c, sink, outl), "EVP_CipherFinal_ex");
    check(Lib.ctrlHeap(c, EVP_CTRL_AEAD_GET_TAG, TAG, data.asSlice(len, TAG)), "get tag");
    Reference.reachabilityFence(this);
    return len + TAG;
  }

  @Override
  int open(byte[] nonce, byte[] aad, byte[] buf, int off, int len) {
    final MemorySegment c = ctx;
    final int plain = len - TAG;
    final MemorySegment data = MemorySegment.ofArray(buf).asSlice(off, len);
    start(c, nonce, aad, 0);
    if (plain > 0) {
      check(Lib.updateHeap(c, data, outl, plain), "EVP_CipherUpdate");
    }
    check(Lib.ctrlHeap(c, EVP_CTRL_AEAD_SET_TAG, TAG, data.asSlice(plain, TAG)), "set tag");
    final boolean verified = Lib.finish(c, sink, outl) > 0;
    if (!verified && plain > 0) {
      // Put the ciphertext back: the same keystream XORed over the plaintext.
      check(Lib.nonce(c, iv, 1), "EVP_CipherInit_ex(nonce)");
      check(Lib.updateHeap(c, data, outl, plain), "EVP_CipherUpdate");
    }
    Reference.reachabilityFence(this);
    return verified ? plain : -1;
  }

  /** Sets the nonce and direction, then feeds the additional data. */
  private void start(MemorySegment c, byte[] nonce, byte[] aad, int enc) {
    MemorySegment.copy(nonce, 0, iv, JAVA_BYTE, 0, ChaCha20Poly1305.NONCE_LENGTH);
    check(Lib.nonce(c, iv, enc), "EVP_CipherInit_ex(nonce)");
    if (aad != null && aad.length > 0) {
      addAad(c, aad);
    }
  }

  /** Feeds the additional data from a native copy (no heap segment on the packet path). */
  private void addAad(MemorySegment c, byte[] aad) {
    MemorySegment a = aadScratch;
    if (a == null || a.byteSize() < aad.length) {
      a = Arena.ofAuto().allocate(Math.max(aad.length, 64), 8);
      aadScratch = a;
    }
    MemorySegment.copy(aad, 0, a, JAVA_BYTE, 0, aad.length);
    check(Lib.updateAad(c, outl, a, aad.length), "EVP_CipherUpdate(aad)");
  }

  @Override
  int seal(byte[] nonce, byte[] aad, ByteBuffer direct, int off, int len) {
    try {
      return sealNative(nonce, aad, directRegion(direct, off, (long) len + TAG), len);
    } finally {
      Reference.reachabilityFence(direct);
    }
  }

  @Override
  int open(byte[] nonce, byte[] aad, ByteBuffer direct, int off, int len) {
    try {
      return openNative(nonce, aad, directRegion(direct, off, len), len);
    } finally {
      Reference.reachabilityFence(direct);
    }
  }

  /** {@code direct[off, off + size)} as a native segment; the caller checked the bounds. */
  @SuppressWarnings("restricted") // reinterpret: the façade checked off + size <= limit
  private static MemorySegment directRegion(ByteBuffer direct, int off, long size) {
    // ofBuffer starts at the position; indexes here are absolute.
    long base = MemorySegment.ofBuffer(direct).address() - direct.position();
    return MemorySegment.ofAddress(base + off).reinterpret(size);
  }

  @Override
  int openInto(byte[] nonce, byte[] aad, byte[] in, int inOff, int len, byte[] out, int outOff) {
    // OpenSSL writes plaintext before it checks the tag: open a copy, release only verified bytes.
    byte[] s = plainScratch;
    if (s == null || s.length < len) {
      s = new byte[Math.max(len, 256)];
      plainScratch = s;
    }
    System.arraycopy(in, inOff, s, 0, len);
    try {
      int n = open(nonce, aad, s, 0, len);
      if (n >= 0) {
        System.arraycopy(s, 0, out, outOff, n);
      }
      return n;
    } finally {
      Arrays.fill(s, 0, len, (byte) 0);
    }
  }

  /** Seals a native {@code region} ({@code len} bytes then room for the tag). */
  private int sealNative(byte[] nonce, byte[] aad, MemorySegment region, int len) {
    final MemorySegment c = ctx;
    start(c, nonce, aad, 1);
    if (len > 0) {
      check(Lib.updateNative(c, region, outl, len), "EVP_CipherUpdate");
    }
    check(Lib.finish(c, sink, outl), "EVP_CipherFinal_ex");
    check(Lib.ctrlNative(c, EVP_CTRL_AEAD_GET_TAG, TAG, region.asSlice(len, TAG)), "get tag");
    Reference.reachabilityFence(this);
    return len + TAG;
  }

  /** Opens a native {@code region} ({@code len} bytes, tag last). */
  private int openNative(byte[] nonce, byte[] aad, MemorySegment region, int len) {
    final MemorySegment c = ctx;
    final int plain = len - TAG;
    start(c, nonce, aad, 0);
    if (plain > 0) {
      check(Lib.updateNative(c, region, outl, plain), "EVP_CipherUpdate");
    }
    check(Lib.ctrlNative(c, EVP_CTRL_AEAD_SET_TAG, TAG, region.asSlice(plain, TAG)), "set tag");
    final boolean verified = Lib.finish(c, sink, outl) > 0;
    if (!verified && plain > 0) {
      check(Lib.nonce(c, iv, 1), "EVP_CipherInit_ex(nonce)");
      check(Lib.updateNative(c, region, outl, plain), "EVP_CipherUpdate");
    }
    Reference.reachabilityFence(this);
    return verified ? plain : -1;
  }

  private static void check(int rc, String what) {
    if (rc != 1) {
      throw new IllegalStateException("OpenSSL " + what + " failed");
    }
  }

  @Override
  void destroy() {
    cleanable.clean();
  }

  /** Frees a context; holds its address only, so the instance can become unreachable. */
  private record Free(long ctx) implements Runnable {
    @Override
    public void run() {
      Lib.free(MemorySegment.ofAddress(ctx));
    }
  }

  /** libcrypto's entry points, linked once; {@link #FAILURE} says why when they could not be. */
  @SuppressWarnings("restricted") // the descriptors match OpenSSL 3's C prototypes
  static final class Lib {
    private Lib() {}

    static final Throwable FAILURE;
    static final MemorySegment CIPHER;
    private static final MethodHandle CTX_NEW;
    private static final MethodHandle CTX_FREE;
    private static final MethodHandle INIT_SETUP;
    private static final MethodHandle INIT_NONCE;
    private static final MethodHandle UPDATE_HEAP;
    private static final MethodHandle UPDATE_NATIVE;
    private static final MethodHandle UPDATE_AAD;
    private static final MethodHandle FINAL;
    private static final MethodHandle CTRL_HEAP;
    private static final MethodHandle CTRL_NATIVE;

    static {
      Throwable failure = null;
      MemorySegment cipher = MemorySegment.NULL;
      MethodHandle[] h = new MethodHandle[10];
      try {
        SymbolLookup lib = load();
        Linker linker = Linker.nativeLinker();
        Linker.Option critical = Linker.Option.critical(true);
        h[0] =
            linker.downcallHandle(find(lib, "EVP_CIPHER_CTX_new"), FunctionDescriptor.of(ADDRESS));
        h[1] =
            linker.downcallHandle(
                find(lib, "EVP_CIPHER_CTX_free"), FunctionDescriptor.ofVoid(ADDRESS));
        MethodHandle chacha =
            linker.downcallHandle(
                find(lib, "EVP_chacha20_poly1305"), FunctionDescriptor.of(ADDRESS));
        // One handle per use, each seeing only heap or only native segments in each position:
        // the linker shares a specialised stub between equal descriptors, and a stub that sees
        // both kinds loses its type profile and C2 then keeps the per-call segment objects
        // (measured: 112 B per packet). Layout names make the descriptors, so the stubs, distinct.
        // int EVP_CipherInit_ex(ctx, const EVP_CIPHER *, ENGINE *, const uchar *key, const uchar
        // *iv, int enc)
        MemorySegment init = find(lib, "EVP_CipherInit_ex");
        h[2] =
            linker.downcallHandle(
                init,
                FunctionDescriptor.of(
                    JAVA_INT, ADDRESS, ADDRESS, ADDRESS, addr("key"), ADDRESS, JAVA_INT),
                critical);
        h[3] =
            linker.downcallHandle(
                init,
                FunctionDescriptor.of(
                    JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, addr("nonce"), JAVA_INT),
                critical);
        // int EVP_CipherUpdate(ctx, uchar *out, int *outl, const uchar *in, int inl)
        MemorySegment update = find(lib, "EVP_CipherUpdate");
        h[4] =
            linker.downcallHandle(
                update,
                FunctionDescriptor.of(
                    JAVA_INT, ADDRESS, addr("heapOut"), ADDRESS, addr("heapIn"), JAVA_INT),
                critical);
        h[5] =
            linker.downcallHandle(
                update,
                FunctionDescriptor.of(
                    JAVA_INT, ADDRESS, addr("nativeOut"), ADDRESS, addr("nativeIn"), JAVA_INT),
                critical);
        h[6] =
            linker.downcallHandle(
                update,
                FunctionDescriptor.of(
                    JAVA_INT, ADDRESS, addr("noOut"), ADDRESS, addr("aad"), JAVA_INT),
                critical);
        // int EVP_CipherFinal_ex(ctx, uchar *out, int *outl)
        h[7] =
            linker.downcallHandle(
                find(lib, "EVP_CipherFinal_ex"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS),
                critical);
        // int EVP_CIPHER_CTX_ctrl(ctx, int type, int arg, void *ptr)
        MemorySegment ctrl = find(lib, "EVP_CIPHER_CTX_ctrl");
        h[8] =
            linker.downcallHandle(
                ctrl,
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, addr("heapTag")),
                critical);
        h[9] =
            linker.downcallHandle(
                ctrl,
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, addr("nativeTag")),
                critical);
        cipher = (MemorySegment) chacha.invokeExact();
        if (cipher.equals(MemorySegment.NULL)) {
          throw new IllegalStateException("EVP_chacha20_poly1305 returned NULL");
        }
      } catch (Throwable t) {
        failure = t;
      }
      FAILURE = failure;
      CIPHER = cipher;
      CTX_NEW = h[0];
      CTX_FREE = h[1];
      INIT_SETUP = h[2];
      INIT_NONCE = h[3];
      UPDATE_HEAP = h[4];
      UPDATE_NATIVE = h[5];
      UPDATE_AAD = h[6];
      FINAL = h[7];
      CTRL_HEAP = h[8];
      CTRL_NATIVE = h[9];
    }

    private static java.lang.foreign.AddressLayout addr(String name) {
      return ADDRESS.withName(name);
    }

    private static SymbolLookup load() {
      IllegalArgumentException last = null;
      for (String name : new String[] {"libcrypto.so.3", "libcrypto.3.dylib", "libcrypto.so"}) {
        try {
          return SymbolLookup.libraryLookup(name, Arena.global());
        } catch (IllegalArgumentException e) {
          last = e;
        }
      }
      throw new IllegalStateException("libcrypto (OpenSSL 3) not found", last);
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
      return lib.find(name).orElseThrow(() -> new IllegalStateException("libcrypto lacks " + name));
    }

    static void require() {
      if (FAILURE != null) {
        throw new IllegalStateException("OpenSSL is unavailable: " + FAILURE, FAILURE);
      }
    }

    static MemorySegment newCtx() {
      try {
        return (MemorySegment) CTX_NEW.invokeExact();
      } catch (Throwable t) {
        throw unexpected(t);
      }
    }

    static void free(MemorySegment c) {
      try {
        CTX_FREE.invokeExact(c);
      } catch (Throwable t) {
        throw unexpected(t);
      }
    }

    /** Sets the cipher and/or the key (a heap segment or NULL); the nonce stays unset. */
    static int setup(MemorySegment c, MemorySegment cipher, MemorySegment key, int enc) {
      try {
        return (int)
            INIT_SETUP.invokeExact(c, cipher, MemorySegment.NULL, key, MemorySegment.NULL, enc);
      } catch (Throwable t) {
        throw unexpected(t);
      }
    }

    /** Starts a message: {@code iv} (native, 12 bytes), the key kept, {@code enc} 1 or 0. */
    static int nonce(MemorySegment c, MemorySegment iv, int enc) {
      try {
        return (int)
            INIT_NONCE.invokeExact(
                c, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, iv, enc);
      } catch (Throwable t) {
        throw unexpected(t);
      }
    }

    /** In-place update over the first {@code len} bytes of a heap segment. */
    static int updateHeap(MemorySegment c, MemorySegment data, MemorySegment outl, int len) {
      try {
        return (int) UPDATE_HEAP.invokeExact(c, data, outl, data, len);
      } catch (Throwable t) {
        throw unexpected(t);
      }
    }

    /** In-place update over the first {@code len} bytes of a native segment. */
    static int updateNative(MemorySegment c, MemorySegment data, MemorySegment outl, int len) {
      try {
        return (int) UPDATE_NATIVE.invokeExact(c, data, outl, data, len);
      } catch (Throwable t) {
        throw unexpected(t);
      }
    }

    /** Additional data (a heap segment). */
    static int updateAad(MemorySegment c, MemorySegment outl, MemorySegment aad, int len) {
      try {
        return (int) UPDATE_AAD.invokeExact(c, MemorySegment.NULL, outl, aad, len);
      } catch (Throwable t) {
        throw unexpected(t);
      }
    }

    static int finish(MemorySegment c, MemorySegment out, MemorySegment outl) {
      try {
        return (int) FINAL.invokeExact(c, out, outl);
      } catch (Throwable t) {
        throw unexpected(t);
      }
    }

    static int ctrlHeap(MemorySegment c, int type, int arg, MemorySegment ptr) {
      try {
        return (int) CTRL_HEAP.invokeExact(c, type, arg, ptr);
      } catch (Throwable t) {
        throw unexpected(t);
      }
    }

    static int ctrlNative(MemorySegment c, int type, int arg, MemorySegment ptr) {
      try {
        return (int) CTRL_NATIVE.invokeExact(c, type, arg, ptr);
      } catch (Throwable t) {
        throw unexpected(t);
      }
    }
  }
}
