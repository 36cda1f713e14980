package io.weft.wg.crypto;

import static java.lang.foreign.ValueLayout.ADDRESS;
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

/**
 * ChaCha20-Poly1305 from OpenSSL 3's libcrypto ({@code EVP_chacha20_poly1305}), called through FFM.
 *
 * <p>One {@code EVP_CIPHER_CTX} per instance, keyed once (and on {@link #rekey}); per packet only
 * the nonce is set, then AAD, the in-place update, final and the tag control: five or six
 * downcalls, all linked {@code critical(true)} so heap arrays are passed without copying and
 * nothing is allocated. Tag comparison is OpenSSL's (constant time). OpenSSL decrypts before it
 * checks the tag, so a failed in-place open re-encrypts the region with the same nonce, which
 * restores the ciphertext byte for byte; out-of-place opens decrypt in a native scratch area and
 * copy out only verified plaintext.
 *
 * <p>The context is freed (OpenSSL cleanses the key schedule) by {@link #destroy()}, or by a
 * {@link Cleaner} when an instance that was never destroyed becomes unreachable (the handshake
 * makes short-lived instances). Callers guarantee one thread at a time and no use after destroy:
 * {@link ChaCha20Poly1305} enforces both before any downcall.
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
  private final Cleaner.Cleanable cleanable;
  /** Native room for out-of-place opens, grown on demand and zeroed after each use. */
  private MemorySegment plainScratch;

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
    boolean ok = false;
    try {
      check(Lib.init(c, Lib.CIPHER, MemorySegment.NULL, MemorySegment.NULL, 1), "EVP_CipherInit_ex(cipher)");
      check(Lib.ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, ChaCha20Poly1305.NONCE_LENGTH, MemorySegment.NULL), "set IV length");
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
    check(Lib.init(ctx, MemorySegment.NULL, k, MemorySegment.NULL, -1), "EVP_CipherInit_ex(key)");
    Reference.reachabilityFence(this);
  }

  @Override
  int seal(byte[] nonce, byte[] aad, byte[] buf, int off, int len) {
    MemorySegment region = MemorySegment.ofArray(buf).asSlice(off, (long) len + TAG);
    return sealAt(nonce, aad, region, len);
  }

  @Override
  int open(byte[] nonce, byte[] aad, byte[] buf, int off, int len) {
    MemorySegment region = MemorySegment.ofArray(buf).asSlice(off, len);
    return openAt(nonce, aad, region, len);
  }

  @Override
  int seal(byte[] nonce, byte[] aad, ByteBuffer direct, int off, int len) {
    try {
      return sealAt(nonce, aad, directRegion(direct, off, (long) len + TAG), len);
    } finally {
      Reference.reachabilityFence(direct);
    }
  }

  @Override
  int open(byte[] nonce, byte[] aad, ByteBuffer direct, int off, int len) {
    try {
      return openAt(nonce, aad, directRegion(direct, off, len), len);
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
    int plain = len - TAG;
    MemorySegment s = plainScratch;
    if (s == null || s.byteSize() < len) {
      s = Arena.ofAuto().allocate(Math.max(len, 256), 8);
      plainScratch = s;
    }
    MemorySegment region = s.asSlice(0, len);
    MemorySegment.copy(in, inOff, region, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, len);
    try {
      int n = openAt(nonce, aad, region, len);
      if (n >= 0) {
        MemorySegment.copy(region, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, out, outOff, plain);
      }
      return n;
    } finally {
      region.fill((byte) 0);
    }
  }

  private int sealAt(byte[] nonce, byte[] aad, MemorySegment region, int len) {
    final MemorySegment c = ctx;
    check(Lib.init(c, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.ofArray(nonce), 1), "EVP_CipherInit_ex(nonce)");
    addAad(c, aad);
    if (len > 0) {
      check(Lib.update(c, region, outl, region, len), "EVP_CipherUpdate");
    }
    check(Lib.finish(c, sink, outl), "EVP_CipherFinal_ex");
    check(Lib.ctrl(c, EVP_CTRL_AEAD_GET_TAG, TAG, region.asSlice(len, TAG)), "get tag");
    Reference.reachabilityFence(this);
    return len + TAG;
  }

  private int openAt(byte[] nonce, byte[] aad, MemorySegment region, int len) {
    final MemorySegment c = ctx;
    final int plain = len - TAG;
    MemorySegment ivSeg = MemorySegment.ofArray(nonce);
    check(Lib.init(c, MemorySegment.NULL, MemorySegment.NULL, ivSeg, 0), "EVP_CipherInit_ex(nonce)");
    addAad(c, aad);
    if (plain > 0) {
      check(Lib.update(c, region, outl, region, plain), "EVP_CipherUpdate");
    }
    check(Lib.ctrl(c, EVP_CTRL_AEAD_SET_TAG, TAG, region.asSlice(plain, TAG)), "set tag");
    boolean verified = Lib.finish(c, sink, outl) > 0;
    if (!verified && plain > 0) {
      // Put the ciphertext back: the same keystream XORed over the plaintext.
      check(Lib.init(c, MemorySegment.NULL, MemorySegment.NULL, ivSeg, 1), "EVP_CipherInit_ex(nonce)");
      check(Lib.update(c, region, outl, region, plain), "EVP_CipherUpdate");
    }
    Reference.reachabilityFence(this);
    return verified ? plain : -1;
  }

  private void addAad(MemorySegment c, byte[] aad) {
    if (aad != null && aad.length > 0) {
      check(Lib.update(c, MemorySegment.NULL, outl, MemorySegment.ofArray(aad), aad.length), "EVP_CipherUpdate(aad)");
    }
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
    private static final MethodHandle CIPHER_INIT;
    private static final MethodHandle CIPHER_UPDATE;
    private static final MethodHandle CIPHER_FINAL;
    private static final MethodHandle CTX_CTRL;

    static {
      Throwable failure = null;
      MemorySegment cipher = MemorySegment.NULL;
      MethodHandle ctxNew = null;
      MethodHandle ctxFree = null;
      MethodHandle init = null;
      MethodHandle update = null;
      MethodHandle fin = null;
      MethodHandle ctrl = null;
      try {
        SymbolLookup lib = load();
        Linker linker = Linker.nativeLinker();
        Linker.Option critical = Linker.Option.critical(true);
        ctxNew = linker.downcallHandle(find(lib, "EVP_CIPHER_CTX_new"), FunctionDescriptor.of(ADDRESS));
        ctxFree = linker.downcallHandle(find(lib, "EVP_CIPHER_CTX_free"), FunctionDescriptor.ofVoid(ADDRESS));
        MethodHandle chacha = linker.downcallHandle(find(lib, "EVP_chacha20_poly1305"), FunctionDescriptor.of(ADDRESS));
        // int EVP_CipherInit_ex(ctx, const EVP_CIPHER *, ENGINE *, const uchar *key, const uchar *iv, int enc)
        init = linker.downcallHandle(find(lib, "EVP_CipherInit_ex"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT), critical);
        // int EVP_CipherUpdate(ctx, uchar *out, int *outl, const uchar *in, int inl)
        update = linker.downcallHandle(find(lib, "EVP_CipherUpdate"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT), critical);
        // int EVP_CipherFinal_ex(ctx, uchar *out, int *outl)
        fin = linker.downcallHandle(find(lib, "EVP_CipherFinal_ex"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), critical);
        // int EVP_CIPHER_CTX_ctrl(ctx, int type, int arg, void *ptr)
        ctrl = linker.downcallHandle(find(lib, "EVP_CIPHER_CTX_ctrl"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), critical);
        cipher = (MemorySegment) chacha.invokeExact();
        if (cipher.equals(MemorySegment.NULL)) {
          throw new IllegalStateException("EVP_chacha20_poly1305 returned NULL");
        }
      } catch (Throwable t) {
        failure = t;
      }
      FAILURE = failure;
      CIPHER = cipher;
      CTX_NEW = ctxNew;
      CTX_FREE = ctxFree;
      CIPHER_INIT = init;
      CIPHER_UPDATE = update;
      CIPHER_FINAL = fin;
      CTX_CTRL = ctrl;
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

    static int init(MemorySegment c, MemorySegment cipher, MemorySegment key, MemorySegment iv, int enc) {
      try {
        return (int) CIPHER_INIT.invokeExact(c, cipher, MemorySegment.NULL, key, iv, enc);
      } catch (Throwable t) {
        throw unexpected(t);
      }
    }

    static int update(MemorySegment c, MemorySegment out, MemorySegment outl, MemorySegment in, int inl) {
      try {
        return (int) CIPHER_UPDATE.invokeExact(c, out, outl, in, inl);
      } catch (Throwable t) {
        throw unexpected(t);
      }
    }

    static int finish(MemorySegment c, MemorySegment out, MemorySegment outl) {
      try {
        return (int) CIPHER_FINAL.invokeExact(c, out, outl);
      } catch (Throwable t) {
        throw unexpected(t);
      }
    }

    static int ctrl(MemorySegment c, int type, int arg, MemorySegment ptr) {
      try {
        return (int) CTX_CTRL.invokeExact(c, type, arg, ptr);
      } catch (Throwable t) {
        throw unexpected(t);
      }
    }

    private static RuntimeException unexpected(Throwable t) {
      if (t instanceof RuntimeException r) {
        return r;
      }
      if (t instanceof Error e) {
        throw e;
      }
      return new IllegalStateException(t);
    }
  }
}
