package io.weft.wg.conn.linux;

/**
 * Offsets of the structures {@code recvmmsg(2)} and {@code sendmmsg(2)} take, on 64-bit Linux
 * (x86-64 and arm64 lay them out alike).
 *
 * <pre>
 * struct mmsghdr {                    struct iovec {            struct cmsghdr {
 *    0  void   *msg_name;                0 void  *iov_base;        0 size_t cmsg_len;
 *    8  u32     msg_namelen;             8 size_t iov_len;         8 int    cmsg_level;
 *   16  iovec  *msg_iov;              }                           12 int    cmsg_type;
 *   24  size_t  msg_iovlen;                                       16 data (u16 for UDP_SEGMENT)
 *   32  void   *msg_control;                                    }
 *   40  size_t  msg_controllen;
 *   48  int     msg_flags;
 *   56  u32     msg_len;   (bytes sent or received)
 * }                        (64 bytes)
 * </pre>
 */
final class Msghdr {
  private Msghdr() {}

  static final int MMSGHDR_SIZE = 64;
  static final int NAME = 0;
  static final int NAMELEN = 8;
  static final int IOV = 16;
  static final int IOVLEN = 24;
  static final int CONTROL = 32;
  static final int CONTROLLEN = 40;
  static final int FLAGS = 48;
  static final int LEN = 56;

  static final int IOVEC_SIZE = 16;
  static final int IOV_BASE = 0;
  static final int IOV_LEN = 8;

  static final int CMSG_LEVEL = 8;
  static final int CMSG_TYPE = 12;
  static final int CMSG_DATA = 16;

  /** {@code CMSG_LEN(sizeof(uint16_t))}: a {@code UDP_SEGMENT} header and its value. */
  static final int SEGMENT_CMSG_LEN = CMSG_DATA + 2;

  /** {@code CMSG_SPACE(sizeof(uint16_t))}: the room one {@code UDP_SEGMENT} message takes. */
  static final int SEGMENT_CMSG_SPACE = CMSG_DATA + 8;
}
