package io.weft.netstack.linux;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A Linux TUN device opened through libc (test code; production TUN lives in tun-native): {@code
 * open("/dev/net/tun")}, {@code ioctl(TUNSETIFF)} with IFF_TUN | IFF_NO_PI, then plain read/write
 * of IP packets, with {@code poll} so the reader can stop.
 */
final class LinuxTun implements AutoCloseable {
  private static final int O_RDWR = 2;
  private static final long TUNSETIFF = 0x400454caL;
  private static final short IFF_TUN = 0x0001;
  private static final short IFF_NO_PI = 0x1000;
  private static final short POLLIN = 1;

  interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int open(String path, int flags);

    int ioctl(int fd, NativeLong request, byte[] ifreq);

    NativeLong read(int fd, byte[] buffer, NativeLong count);

    NativeLong write(int fd, byte[] buffer, NativeLong count);

    int poll(Memory fds, NativeLong count, int timeoutMillis);

    int close(int fd);
  }

  private final int fd;
  private final String name;
  private final Memory pollFd = new Memory(8);

  LinuxTun(String name) throws IOException {
    this.name = name;
    this.fd = LibC.INSTANCE.open("/dev/net/tun", O_RDWR);
    if (fd < 0) {
      throw new IOException("open /dev/net/tun failed: errno " + Native.getLastError());
    }
    byte[] ifreq = new byte[40];
    byte[] n = name.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(n, 0, ifreq, 0, n.length);
    short flags = (short) (IFF_TUN | IFF_NO_PI);
    ifreq[16] = (byte) flags;
    ifreq[17] = (byte) (flags >> 8);
    if (LibC.INSTANCE.ioctl(fd, new NativeLong(TUNSETIFF), ifreq) < 0) {
      int errno = Native.getLastError();
      LibC.INSTANCE.close(fd);
      throw new IOException("TUNSETIFF failed: errno " + errno);
    }
    pollFd.setInt(0, fd);
    pollFd.setShort(4, POLLIN);
  }

  String name() {
    return name;
  }

  /** Reads one packet, waiting at most {@code timeoutMillis}; returns its length or 0. */
  int read(byte[] buffer, int timeoutMillis) throws IOException {
    pollFd.setShort(6, (short) 0);
    int ready = LibC.INSTANCE.poll(pollFd, new NativeLong(1), timeoutMillis);
    if (ready <= 0) {
      return 0;
    }
    long n = LibC.INSTANCE.read(fd, buffer, new NativeLong(buffer.length)).longValue();
    if (n < 0) {
      throw new IOException("read failed: errno " + Native.getLastError());
    }
    return (int) n;
  }

  /** Reads one packet, blocking until one comes (no poll first: one system call per packet). */
  int readBlocking(byte[] buffer) throws IOException {
    final long n = LibC.INSTANCE.read(fd, buffer, new NativeLong(buffer.length)).longValue();
    if (n < 0) {
      throw new IOException("read failed: errno " + Native.getLastError());
    }
    return (int) n;
  }

  void write(byte[] packet, int length) {
    LibC.INSTANCE.write(fd, packet, new NativeLong(length));
  }

  @Override
  public void close() {
    LibC.INSTANCE.close(fd);
  }
}
