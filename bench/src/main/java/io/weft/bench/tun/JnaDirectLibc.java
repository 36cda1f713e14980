package io.weft.bench.tun;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * {@code read}/{@code write} through JNA direct mapping: JNI-registered natives with primitive
 * arguments (the buffer as a raw address), JNA's fastest mode. {@code errno} after a failed call
 * comes from {@link Native#getLastError()}, one more JNI call.
 */
final class JnaDirectLibc {
  static {
    Native.register(JnaDirectLibc.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
  }

  private JnaDirectLibc() {}

  static native long read(int fd, long buf, long count);

  static native long write(int fd, long buf, long count);

  /** Result, or {@code -errno}: the same contract as {@code NativeIo}. */
  static long readOrErrno(int fd, long buf, long count) {
    final long r = read(fd, buf, count);
    return r >= 0 ? r : -Native.getLastError();
  }

  static long writeOrErrno(int fd, long buf, long count) {
    final long r = write(fd, buf, count);
    return r >= 0 ? r : -Native.getLastError();
  }
}
