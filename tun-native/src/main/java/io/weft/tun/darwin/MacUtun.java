package io.weft.tun.darwin;

import com.sun.jna.Memory;
import io.weft.tun.posix.Errno;
import io.weft.tun.posix.IfReq;
import io.weft.tun.posix.NativeIo;
import io.weft.tun.posix.PosixSetup;
import io.weft.tun.posix.PosixTun;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A macOS {@code utun} interface. Not yet run on macOS (see the package documentation).
 *
 * <p>Reads and writes use {@code readv}/{@code writev} with the 4-byte {@link UtunHeader} in a
 * separate iovec, so packets land at the caller's offset and nothing before it is touched. Heap
 * buffers, which an iovec cannot point into, are copied through a per-thread native buffer.
 */
public final class MacUtun extends PosixTun {
  // From <sys/kern_control.h>, <sys/sys_domain.h>, <net/if_utun.h>.
  static final int PF_SYSTEM = 32;
  static final int AF_SYSTEM = 32;
  static final int AF_SYS_CONTROL = 2;
  static final int SYSPROTO_CONTROL = 2;
  static final int UTUN_OPT_IFNAME = 2;
  static final long CTLIOCGINFO = 0xc064_4e03L; // _IOWR('N', 3, struct ctl_info)
  static final String UTUN_CONTROL_NAME = "com.apple.net.utun_control";
  // From <sys/socket.h>, <sys/sockio.h>, <net/if.h>.
  static final int AF_INET = 2;
  static final int SOCK_DGRAM = 2;
  static final long SIOCSIFFLAGS = 0x8020_6910L; // _IOW('i', 16, struct ifreq)
  static final long SIOCGIFFLAGS = 0xc020_6911L; // _IOWR('i', 17, struct ifreq)
  static final long SIOCSIFMTU = 0x8020_6934L; // _IOW('i', 52, struct ifreq)

  /** Packets per {@link #read} unless asked otherwise. */
  public static final int DEFAULT_BATCH_SIZE = 128;

  MacUtun(int fd, String name, int mtu, int batchSize) throws IOException {
    super(fd, name, mtu, batchSize);
  }

  /** {@link #open(String, int, int)} with {@link #DEFAULT_BATCH_SIZE}. */
  public static MacUtun open(String name, int mtu) throws IOException {
    return open(name, mtu, DEFAULT_BATCH_SIZE);
  }

  /**
   * Creates a utun interface, sets its MTU and brings it up. Needs root.
   *
   * @param name {@code utunN} for that unit, or null, empty or {@code utun} for the next free one
   */
  public static MacUtun open(String name, int mtu, int batchSize) throws IOException {
    final int unit = unitFor(name);
    final int fd = PosixSetup.socket(PF_SYSTEM, SOCK_DGRAM, SYSPROTO_CONTROL, "socket(PF_SYSTEM)");
    try {
      final Memory info = cleared(CtlInfo.SIZE);
      final CtlInfo ctl =
          new CtlInfo().wrap(info.getByteBuffer(0, CtlInfo.SIZE)).name(UTUN_CONTROL_NAME);
      PosixSetup.ioctl(fd, CTLIOCGINFO, info, "CTLIOCGINFO " + UTUN_CONTROL_NAME);

      final Memory addr = cleared(SockaddrCtl.SIZE);
      new SockaddrCtl()
          .wrap(addr.getByteBuffer(0, SockaddrCtl.SIZE))
          .set(AF_SYSTEM, AF_SYS_CONTROL, ctl.id(), unit);
      PosixSetup.connect(
          fd,
          addr,
          SockaddrCtl.SIZE,
          "connect utun unit " + unit + " (EBUSY: " + name + " exists)");

      final String actual =
          PosixSetup.getsockoptString(
              fd, SYSPROTO_CONTROL, UTUN_OPT_IFNAME, IfReq.NAME_SIZE, "getsockopt UTUN_OPT_IFNAME");
      PosixSetup.nonBlockingCloseOnExec(fd);
      configureLink(actual, mtu);
      return new MacUtun(fd, actual, mtu, batchSize);
    } catch (IOException | RuntimeException e) {
      PosixSetup.close(fd);
      throw e;
    }
  }

  /**
   * The {@code sc_unit} for a requested name: {@code utunN} is unit N + 1, 0 lets the kernel pick.
   */
  static int unitFor(String name) {
    if (name == null || name.isEmpty() || name.equals("utun")) {
      return 0;
    }
    if (name.matches("utun[0-9]{1,5}")) {
      return Integer.parseInt(name.substring(4)) + 1;
    }
    throw new IllegalArgumentException(
        "macOS names TUN interfaces utun<N>; cannot create '" + name + "'");
  }

  private static void configureLink(String name, int mtu) throws IOException {
    final Memory memory = cleared(IfReq.DARWIN_SIZE);
    final IfReq ifr =
        new IfReq().wrap(memory.getByteBuffer(0, IfReq.DARWIN_SIZE), IfReq.DARWIN_SIZE);
    final int sock = PosixSetup.socket(AF_INET, SOCK_DGRAM, 0, "socket(AF_INET) for ioctls");
    try {
      PosixSetup.setMtuAndUp(sock, memory, ifr, name, mtu, SIOCSIFMTU, SIOCGIFFLAGS, SIOCSIFFLAGS);
    } finally {
      PosixSetup.close(sock);
    }
  }

  private static Memory cleared(int size) {
    final Memory m = new Memory(size);
    m.clear();
    return m;
  }

  @Override
  protected long readPacket(int fd, MemorySegment dst, NativeIo.Scratch s) {
    for (; ; ) {
      final long r;
      if (dst.isNative()) {
        NativeIo.iovec(s, 0, s.header);
        NativeIo.iovec(s, 1, dst);
        r = NativeIo.readv(fd, 2, s);
      } else {
        final MemorySegment bounce = s.bounce(UtunHeader.LENGTH + dst.byteSize());
        r = NativeIo.read(fd, bounce.asSlice(0, UtunHeader.LENGTH + dst.byteSize()), s);
        if (r > UtunHeader.LENGTH) {
          MemorySegment.copy(bounce, UtunHeader.LENGTH, dst, 0, r - UtunHeader.LENGTH);
        }
      }
      if (r <= 0) {
        return r;
      }
      if (r > UtunHeader.LENGTH) {
        return r - UtunHeader.LENGTH;
      }
      // A runt with no packet after the header: skip it.
    }
  }

  @Override
  protected long writePacket(int fd, MemorySegment src, NativeIo.Scratch s) {
    if (src.byteSize() == 0) {
      return -Errno.EINVAL;
    }
    final int family = UtunHeader.familyOf(src.get(ValueLayout.JAVA_BYTE, 0));
    if (family < 0) {
      return -Errno.EINVAL;
    }
    if (src.isNative()) {
      UtunHeader.put(s.header, family);
      NativeIo.iovec(s, 0, s.header);
      NativeIo.iovec(s, 1, src);
      return NativeIo.writev(fd, 2, s);
    }
    final long length = UtunHeader.LENGTH + src.byteSize();
    final MemorySegment bounce = s.bounce(length);
    UtunHeader.put(bounce, family);
    MemorySegment.copy(src, 0, bounce, UtunHeader.LENGTH, src.byteSize());
    return NativeIo.write(fd, bounce.asSlice(0, length), s);
  }

  /** Neither IPv4 nor IPv6 (refused here), or the socket's queue is full: drop that packet. */
  @Override
  protected boolean rejectsPacket(int errno) {
    return errno == Errno.EINVAL || errno == Errno.ENOBUFS;
  }

  @Override
  protected IOException failure(String operation, int errno) {
    if (errno == Errno.ENOTCONN || errno == Errno.EIO) {
      return new IOException(
          operation + " on " + name() + " failed (errno " + errno + "): the interface is gone");
    }
    return super.failure(operation, errno);
  }
}
