package io.weft.tun.posix;

import io.weft.tun.io.Os;

/**
 * The few {@code errno} values the packet path tests for, for the host OS (they differ between
 * Linux and Darwin). Everything else is reported with the C library's own message.
 */
public final class Errno {
  private Errno() {}

  /** Operation not permitted (same on both): the process lacks CAP_NET_ADMIN / root. */
  public static final int EPERM = 1;

  /** No such file or directory (same on both): no {@code /dev/net/tun}, no namespace. */
  public static final int ENOENT = 2;

  /** Interrupted system call (same on both). */
  public static final int EINTR = 4;

  /** I/O error (same on both). */
  public static final int EIO = 5;

  /** Bad file descriptor (same on both). */
  public static final int EBADF = 9;

  /** Bad address: on a Linux TUN, the packet did not fit the buffer. */
  public static final int EFAULT = 14;

  /** Device or resource busy (same on both): the interface name is taken. */
  public static final int EBUSY = 16;

  /**
   * Invalid argument (same on both): a Linux TUN rejects a packet that is neither IPv4 nor IPv6.
   */
  public static final int EINVAL = 22;

  /** Resource temporarily unavailable: 11 on Linux, 35 on Darwin. */
  public static final int EAGAIN = Os.CURRENT == Os.DARWIN ? 35 : 11;

  /** Linux: file descriptor in bad state; a TUN whose interface was deleted says this. */
  public static final int EBADFD = 77;

  /** Darwin: no buffer space; a utun socket whose queue is full says this. */
  public static final int ENOBUFS = Os.CURRENT == Os.DARWIN ? 55 : 105;

  /** Darwin: socket is not connected; a utun whose interface went away says this. */
  public static final int ENOTCONN = Os.CURRENT == Os.DARWIN ? 57 : 107;
}
