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
import java.nio.ByteBuffer;

/**
 * A Linux kernel TUN interface: IP packets without a prefix, read in batches.
 *
 * <pre>{@code
 * try (LinuxTun tun = LinuxTun.open("weft%d", 1420)) {   // %d: the kernel picks the number
 *   IpRoute2.addAddress(tun.name(), "100.64.0.1/10");
 *   int n = tun.read(bufs, sizes, 16);
 * }
 * }</pre>
 *
 * <p>Opened with offloads ({@link #open(String, int, int, boolean)}), the kernel's TCP hands the
 * device 64 KB super-packets and takes coalesced ones ({@link TunOffload}); {@link #read} and
 * {@link #write} still deal in MTU-sized packets.
 */
public final class LinuxTun extends PosixTun {
  // From <linux/if_tun.h> and <linux/if.h>.
  private static final long TUNSETIFF = 0x4004_54caL; // _IOW('T', 202, int)
  private static final int IFF_TUN = 0x0001;
  private static final int IFF_NO_PI = 0x1000;
  private static final int IFF_VNET_HDR = 0x4000;
  private static final long TUNSETOFFLOAD = 0x4004_54d0L; // _IOW('T', 208, unsigned int)
  private static final long TUNSETVNETHDRSZ = 0x4004_54d8L; // _IOW('T', 216, int)
  private static final int TUN_F_CSUM = 0x01;
  private static final int TUN_F_TSO4 = 0x02;
  private static final int TUN_F_TSO6 = 0x04;
  private static final long SIOCGIFFLAGS = 0x8913;
  private static final long SIOCSIFFLAGS = 0x8914;
  private static final long SIOCSIFMTU = 0x8922;
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

  private final TunOffload offload;

  private LinuxTun(int fd, String name, int mtu, int batchSize, boolean offload)
      throws IOException {
    super(fd, name, mtu, batchSize);
    this.offload = offload ? new TunOffload() : null;
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
    return open(name, mtu, batchSize, false);
  }

  /**
   * {@link #open(String, int, int)}, with TCP segmentation and receive offloads when {@code
   * offloads} is true and the kernel agrees ({@code IFF_VNET_HDR}, {@code TUNSETVNETHDRSZ}, {@code
   * TUNSETOFFLOAD} with checksum, TSO4 and TSO6); if it refuses, the device is opened without.
   * {@link #offloads()} says which it got.
   */
  public static LinuxTun open(String name, int mtu, int batchSize, boolean offloads)
      throws IOException {
    if (offloads) {
      try {
        return create(name, mtu, batchSize, true);
      } catch (ErrnoException e) {
        if (e.errno() == Errno.EPERM) {
          throw e;
        }
        // EINVAL and friends: an old kernel or a restricted one; go on without offloads.
      }
    }
    return create(name, mtu, batchSize, false);
  }

  private static LinuxTun create(String name, int mtu, int batchSize, boolean offloads)
      throws IOException {
    if (mtu < MIN_MTU || mtu > MAX_MTU) {
      throw new IllegalArgumentException(
          "MTU " + mtu + " outside [" + MIN_MTU + ", " + MAX_MTU + "]");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size " + batchSize + " < 1");
    }
    final String requested = name == null ? "" : name;
    final Memory memory = ifreqMemory();
    final IfReq ifr = new IfReq().wrap(memory.getByteBuffer(0, IfReq.LINUX_SIZE), IfReq.LINUX_SIZE);
    ifr.name(requested).flags(IFF_TUN | IFF_NO_PI | (offloads ? IFF_VNET_HDR : 0));

    final int fd = openCloneDevice();
    try {
      try {
        PosixSetup.ioctl(fd, TUNSETIFF, memory, "TUNSETIFF creating TUN '" + requested + "'");
      } catch (ErrnoException e) {
        throw switch (e.errno()) {
          case Errno.EPERM -> new IOException(e.getMessage() + ": needs CAP_NET_ADMIN (root)", e);
          case Errno.EBUSY ->
              new IOException(
                  e.getMessage() + ": the name is another interface's, or a TUN in use", e);
          default -> e;
        };
      }
      final String actual = ifr.name();
      if (offloads) {
        final Memory size = new Memory(4);
        size.setInt(0, io.weft.tun.offload.VirtioNetHdr.SIZE);
        PosixSetup.ioctl(fd, TUNSETVNETHDRSZ, size, "TUNSETVNETHDRSZ on " + actual);
        PosixSetup.ioctlValue(
            fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6, "TUNSETOFFLOAD on " + actual);
      }
      configureLink(actual, mtu);
      return new LinuxTun(fd, actual, mtu, batchSize, offloads);
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
      PosixSetup.setMtuAndUp(sock, memory, ifr, name, mtu, SIOCSIFMTU, SIOCGIFFLAGS, SIOCSIFFLAGS);
    } finally {
      PosixSetup.close(sock);
    }
  }

  private static Memory ifreqMemory() {
    final Memory memory = new Memory(IfReq.LINUX_SIZE);
    memory.clear();
    return memory;
  }

  /** Whether the device was opened with TCP segmentation and receive offloads. */
  public boolean offloads() {
    return offload != null;
  }

  /**
   * Packets (or super-packets) dropped by the offload path: malformed reads and segments that did
   * not fit the caller's buffer; 0 without offloads.
   */
  public long offloadDrops() {
    return offload == null ? 0 : offload.drops();
  }

  /** Packets in frames the kernel refused ({@code EINVAL}); 0 without offloads. */
  public long offloadRejects() {
    return offload == null ? 0 : offload.rejects();
  }

  /** Segments written as part of a super-packet after its first; 0 without offloads. */
  public long coalescedSegments() {
    return offload == null ? 0 : offload.merged();
  }

  @Override
  protected int readBatch(
      int fd, ByteBuffer[] bufs, int[] sizes, int offset, int max, NativeIo.Scratch s)
      throws IOException {
    return offload == null
        ? super.readBatch(fd, bufs, sizes, offset, max, s)
        : readOffloaded(offload, fd, bufs, sizes, offset, max, s);
  }

  @Override
  protected int writeBatch(int fd, ByteBuffer[] bufs, int count, int offset, NativeIo.Scratch s)
      throws IOException {
    return offload == null
        ? super.writeBatch(fd, bufs, count, offset, s)
        : writeOffloaded(offload, fd, bufs, count, offset, s);
  }

  /**
   * Fills the caller's buffers with the segments of what the device reads, keeping the segments of
   * a super-packet that do not fit this batch for the next read.
   */
  private int readOffloaded(
      TunOffload o, int fd, ByteBuffer[] bufs, int[] sizes, int offset, int max, NativeIo.Scratch s)
      throws IOException {
    o.readLock.lock();
    try {
      final io.weft.tun.offload.GsoSplitter splitter = o.splitter;
      int n = 0;
      short revents = 0;
      while (n < max) {
        if (splitter.hasNext()) {
          final int len = splitter.next(o.readView(n, bufs[n], offset));
          if (len > 0) {
            sizes[n++] = len;
          } else {
            o.drop();
          }
          continue;
        }
        final long r = NativeIo.read(fd, o.readBuffer, s);
        if (r > 0) {
          if (splitter.begin(o.readBuffer, (int) r) == 0) {
            o.drop();
          }
        } else if (r == -Errno.EAGAIN && n > 0) {
          break;
        } else {
          revents = readFailed(r, revents, s);
          if (revents == WOKEN) {
            return 0;
          }
        }
      }
      return n;
    } finally {
      o.readLock.unlock();
    }
  }

  /** Writes runs of coalescable TCP segments as one super-packet each, the rest one by one. */
  private int writeOffloaded(
      TunOffload o, int fd, ByteBuffer[] bufs, int count, int offset, NativeIo.Scratch s)
      throws IOException {
    o.writeLock.lock();
    try {
      o.prepareWrite(bufs, count, offset);
      final io.weft.tun.offload.GroCoalescer c = o.coalescer;
      int written = 0;
      int i = 0;
      while (i < count) {
        final int k = c.frame(o.segments, o.offsets, o.lengths, i, count);
        if (k == 0) {
          o.drop();
          i++;
          continue;
        }
        while (true) {
          final long r = NativeIo.write(fd, c.out(), c.frameLength(), s);
          if (r >= 0) {
            written += k;
            break;
          } else if (r == -Errno.EAGAIN) {
            await(NativeIo.POLLOUT, s);
          } else if (r == -Errno.EINTR) {
            continue;
          } else if (rejectsPacket((int) -r)) {
            o.reject(k);
            break;
          } else {
            throw failure("write", (int) -r);
          }
        }
        i += k;
      }
      return written;
    } finally {
      o.releaseWrite(count);
      o.writeLock.unlock();
    }
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
          "read on "
              + name()
              + " failed (EFAULT): a packet did not fit the buffer after the "
              + "offset; buffers need room for the MTU ("
              + mtu()
              + ")");
    }
    return super.failure(operation, errno);
  }
}
