package io.weft.tun.linux;

import com.sun.jna.Memory;
import io.weft.tun.posix.Errno;
import io.weft.tun.posix.ErrnoException;
import io.weft.tun.posix.IfReq;
import io.weft.tun.posix.NativeIo;
import io.weft.tun.posix.PosixSetup;
import io.weft.tun.posix.PosixTun;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A Linux kernel TUN interface: IP packets without a prefix, read in batches.
 *
 * <pre>{@code
 * try (LinuxTun tun = LinuxTun.open("weft%d", 1420)) {   // %d: the kernel picks the number
 *   IpRoute2.addAddress(tun.name(), "100.64.0.1/10");
 *   int n = tun.read(bufs, sizes, 16);
 * }
 * }</pre>
 */
public final class LinuxTun extends PosixTun {
  // From <linux/if_tun.h> and <linux/if.h>.
  private static final long TUNSETIFF = 0x4004_54caL; // _IOW('T', 202, int)
  private static final int IFF_TUN = 0x0001;
  private static final int IFF_NO_PI = 0x1000;
  private static final long SIOCGIFFLAGS = 0x8913;
  private static final long SIOCSIFFLAGS = 0x8914;
  private static final long SIOCSIFMTU = 0x8922;
  private static final int IFF_UP = 0x1;
  private static final int AF_INET = 2;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x8_0000;

  /** The clone device every TUN is created through. */
  public static final String CLONE_DEVICE = "/dev/net/tun";

  /** Packets per {@link #read} unless asked otherwise (wireguard-go's {@code IdealBatchSize}). */
  public static final int DEFAULT_BATCH_SIZE = 128;

  /** Smallest MTU IPv4 allows (RFC 791). */
  public static final int MIN_MTU = 68;

  /** Largest IP packet. */
  public static final int MAX_MTU = 65_535;

  private LinuxTun(int fd, String name, int mtu, int batchSize) throws IOException {
    super(fd, name, mtu, batchSize);
  }

  /** {@link #open(String, int, int)} with {@link #DEFAULT_BATCH_SIZE}. */
  public static LinuxTun open(String name, int mtu) throws IOException {
    return open(name, mtu, DEFAULT_BATCH_SIZE);
  }

  /**
   * Creates a TUN interface in the calling thread's network namespace, sets its MTU and brings it
   * up. Needs {@code CAP_NET_ADMIN}.
   *
   * @param name the interface name, at most 15 bytes; {@code %d} in it, or an empty or null name
   *     ({@code tun%d}), lets the kernel choose the number; {@link #name()} says what it chose
   */
  public static LinuxTun open(String name, int mtu, int batchSize) throws IOException {
    if (mtu < MIN_MTU || mtu > MAX_MTU) {
      throw new IllegalArgumentException("MTU " + mtu + " outside [" + MIN_MTU + ", " + MAX_MTU + "]");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size " + batchSize + " < 1");
    }
    final String requested = name == null ? "" : name;
    final Memory memory = ifreqMemory();
    final IfReq ifr = new IfReq().wrap(memory.getByteBuffer(0, IfReq.LINUX_SIZE), IfReq.LINUX_SIZE);
    ifr.name(requested).flags(IFF_TUN | IFF_NO_PI);

    final int fd = openCloneDevice();
    try {
      try {
        PosixSetup.ioctl(fd, TUNSETIFF, memory, "TUNSETIFF creating TUN '" + requested + "'");
      } catch (ErrnoException e) {
        throw switch (e.errno()) {
          case Errno.EPERM -> new IOException(e.getMessage() + ": needs CAP_NET_ADMIN (root)", e);
          case Errno.EBUSY ->
              new IOException(e.getMessage() + ": the name is another interface's, or a TUN in use", e);
          default -> e;
        };
      }
      final String actual = ifr.name();
      configureLink(actual, mtu);
      return new LinuxTun(fd, actual, mtu, batchSize);
    } catch (IOException | RuntimeException e) {
      PosixSetup.close(fd);
      throw e;
    }
  }

  private static int openCloneDevice() throws IOException {
    try {
      return PosixSetup.open(
          CLONE_DEVICE, PosixSetup.O_RDWR | PosixSetup.O_NONBLOCK | PosixSetup.O_CLOEXEC);
    } catch (ErrnoException e) {
      if (e.errno() == Errno.ENOENT) {
        throw new IOException(e.getMessage() + ": no TUN support (modprobe tun?)", e);
      }
      throw e;
    }
  }

  /** Sets the MTU and the UP flag through an {@code AF_INET} socket in this thread's namespace. */
  private static void configureLink(String name, int mtu) throws IOException {
    final Memory memory = ifreqMemory();
    final IfReq ifr = new IfReq().wrap(memory.getByteBuffer(0, IfReq.LINUX_SIZE), IfReq.LINUX_SIZE);
    final int sock =
        PosixSetup.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0, "socket(AF_INET) for ioctls");
    try {
      ifr.name(name).mtu(mtu);
      PosixSetup.ioctl(sock, SIOCSIFMTU, memory, "SIOCSIFMTU " + mtu + " on " + name);
      ifr.name(name).flags(0);
      PosixSetup.ioctl(sock, SIOCGIFFLAGS, memory, "SIOCGIFFLAGS on " + name);
      ifr.flags(ifr.flags() | IFF_UP);
      PosixSetup.ioctl(sock, SIOCSIFFLAGS, memory, "SIOCSIFFLAGS (up) on " + name);
    } finally {
      PosixSetup.close(sock);
    }
  }

  private static Memory ifreqMemory() {
    final Memory memory = new Memory(IfReq.LINUX_SIZE);
    memory.clear();
    return memory;
  }

  @Override
  protected long readPacket(int fd, MemorySegment dst, NativeIo.Scratch s) {
    return NativeIo.read(fd, dst, s);
  }

  @Override
  protected long writePacket(int fd, MemorySegment src, NativeIo.Scratch s) {
    return NativeIo.write(fd, src, s);
  }

  /** The kernel drops a packet that is neither IPv4 nor IPv6 with {@code EINVAL}. */
  @Override
  protected boolean rejectsPacket(int errno) {
    return errno == Errno.EINVAL;
  }

  @Override
  protected IOException failure(String operation, int errno) {
    if (errno == Errno.EBADFD) {
      return new IOException(
          operation + " on " + name() + " failed: the interface was deleted (EBADFD)");
    }
    if (errno == Errno.EIO) {
      return new IOException(operation + " on " + name() + " failed: the interface is down (EIO)");
    }
    if (errno == Errno.EFAULT && operation.equals("read")) {
      return new IOException(
          "read on " + name() + " failed (EFAULT): a packet did not fit the buffer after the "
              + "offset; buffers need room for the MTU (" + mtu() + ")");
    }
    return super.failure(operation, errno);
  }
}
