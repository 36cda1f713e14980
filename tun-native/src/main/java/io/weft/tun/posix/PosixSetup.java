package io.weft.tun.posix;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import io.weft.tun.io.Os;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The C library calls that open and configure devices, through JNA. Not on the packet path: each
 * failure becomes an {@link ErrnoException} naming what was attempted and the C library's message.
 */
public final class PosixSetup {
  private PosixSetup() {}

  // From <fcntl.h>.
  public static final int O_RDONLY = 0;
  public static final int O_RDWR = 2;
  public static final int O_NONBLOCK = Os.CURRENT == Os.DARWIN ? 0x0004 : 0x0800;
  public static final int O_CLOEXEC = Os.CURRENT == Os.DARWIN ? 0x0100_0000 : 0x0008_0000;
  private static final int F_SETFD = 2;
  private static final int F_GETFL = 3;
  private static final int F_SETFL = 4;
  private static final int FD_CLOEXEC = 1;

  /** The C functions, mapped by JNA (variadic ones declared variadic, as Apple arm64 needs). */
  private interface C extends Library {
    int open(String path, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int ioctl(int fd, NativeLong request, Object... args) throws LastErrorException;

    int fcntl(int fd, int cmd, Object... args) throws LastErrorException;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int connect(int fd, Pointer addr, int len) throws LastErrorException;

    int getsockopt(int fd, int level, int name, Pointer value, IntByReference len)
        throws LastErrorException;

    int pipe(int[] fds) throws LastErrorException;

    NativeLong write(int fd, byte[] buf, NativeLong count) throws LastErrorException;

    String strerror(int errnum);
  }

  private static final C C_LIB = Native.load(Platform.C_LIBRARY_NAME, C.class);

  /** {@code open(path, flags)}. */
  public static int open(String path, int flags) throws IOException {
    try {
      return C_LIB.open(path, flags);
    } catch (LastErrorException e) {
      throw failed("open " + path, e);
    }
  }

  /** {@code ioctl(fd, request, arg)}; {@code what} names the request in the error. */
  public static void ioctl(int fd, long request, Pointer arg, String what) throws IOException {
    try {
      C_LIB.ioctl(fd, new NativeLong(request), arg);
    } catch (LastErrorException e) {
      throw failed(what, e);
    }
  }

  /**
   * Sets interface {@code name}'s MTU and then its UP flag ({@code IFF_UP}, 0x1 on Linux and
   * Darwin) through {@code sock}, with {@code ifr} wrapping {@code ifreq}: the same three ioctls on
   * both systems, whose request numbers differ ({@code SIOCSIFMTU}, {@code SIOCGIFFLAGS}, {@code
   * SIOCSIFFLAGS}).
   */
  public static void setMtuAndUp(
      int sock,
      Pointer ifreq,
      IfReq ifr,
      String name,
      int mtu,
      long siocsifmtu,
      long siocgifflags,
      long siocsifflags)
      throws IOException {
    ifr.name(name).mtu(mtu);
    ioctl(sock, siocsifmtu, ifreq, "SIOCSIFMTU " + mtu + " on " + name);
    ifr.name(name).flags(0);
    ioctl(sock, siocgifflags, ifreq, "SIOCGIFFLAGS on " + name);
    ifr.flags(ifr.flags() | IFF_UP);
    ioctl(sock, siocsifflags, ifreq, "SIOCSIFFLAGS (up) on " + name);
  }

  private static final int IFF_UP = 0x1;

  /** {@code ioctl(fd, request, value)} for requests whose argument is a number, not a pointer. */
  public static void ioctlValue(int fd, long request, long value, String what) throws IOException {
    try {
      C_LIB.ioctl(fd, new NativeLong(request), new NativeLong(value));
    } catch (LastErrorException e) {
      throw failed(what, e);
    }
  }

  /** {@code socket(domain, type, protocol)}. */
  public static int socket(int domain, int type, int protocol, String what) throws IOException {
    try {
      return C_LIB.socket(domain, type, protocol);
    } catch (LastErrorException e) {
      throw failed(what, e);
    }
  }

  /** {@code connect(fd, addr, len)}. */
  public static void connect(int fd, Pointer addr, int len, String what) throws IOException {
    try {
      C_LIB.connect(fd, addr, len);
    } catch (LastErrorException e) {
      throw failed(what, e);
    }
  }

  /** {@code getsockopt} of a NUL-terminated string option of at most {@code maxLength} bytes. */
  public static String getsockoptString(int fd, int level, int name, int maxLength, String what)
      throws IOException {
    final Memory value = new Memory(maxLength);
    value.clear();
    final IntByReference len = new IntByReference(maxLength);
    try {
      C_LIB.getsockopt(fd, level, name, value, len);
    } catch (LastErrorException e) {
      throw failed(what, e);
    }
    return value.getString(0, StandardCharsets.US_ASCII.name());
  }

  /** Makes {@code fd} non-blocking and close-on-exec. */
  public static void nonBlockingCloseOnExec(int fd) throws IOException {
    try {
      final int flags = C_LIB.fcntl(fd, F_GETFL);
      C_LIB.fcntl(fd, F_SETFL, flags | O_NONBLOCK);
      C_LIB.fcntl(fd, F_SETFD, FD_CLOEXEC);
    } catch (LastErrorException e) {
      throw failed("fcntl O_NONBLOCK/FD_CLOEXEC on fd " + fd, e);
    }
  }

  /** A pipe with both ends non-blocking and close-on-exec: {@code [read end, write end]}. */
  public static int[] pipe() throws IOException {
    final int[] fds = new int[2];
    try {
      C_LIB.pipe(fds);
    } catch (LastErrorException e) {
      throw failed("pipe", e);
    }
    try {
      nonBlockingCloseOnExec(fds[0]);
      nonBlockingCloseOnExec(fds[1]);
    } catch (IOException e) {
      close(fds[0]);
      close(fds[1]);
      throw e;
    }
    return fds;
  }

  /** Writes one byte to {@code fd}; a full pipe already wakes its reader, so errors are ignored. */
  public static void writeOneByte(int fd) {
    try {
      C_LIB.write(fd, new byte[] {1}, new NativeLong(1));
    } catch (LastErrorException e) {
      // EAGAIN: the pipe is full, and so already readable.
    }
  }

  /** {@code close(fd)}, ignoring errors (there is nothing left to do about them). */
  public static void close(int fd) {
    if (fd < 0) {
      return;
    }
    try {
      C_LIB.close(fd);
    } catch (LastErrorException e) {
      // EBADF or EINTR: either way the descriptor is gone.
    }
  }

  /** The C library's message for {@code errno}. */
  public static String strerror(int errno) {
    return C_LIB.strerror(errno);
  }

  private static ErrnoException failed(String what, LastErrorException e) {
    return new ErrnoException(what + " failed: " + e.getMessage(), e.getErrorCode(), e);
  }
}
