package io.weft.wg.conn.linux;

import io.weft.wg.nativeio.CloseGate;
import java.io.IOException;

/**
 * One bound dual-stack UDP socket and the eventfd that wakes calls waiting on it. Calls enter its
 * {@link CloseGate}; {@link #retire} wakes them and the last one out closes both descriptors, so a
 * descriptor number is never reused under a call still using it.
 */
final class UdpSocket {
  /** What the socket buffers are raised to (UdpBind asks for the same). */
  static final int BUFFER_BYTES = 7 * 1024 * 1024;

  final int fd;
  final int wakeFd;
  final int port;
  final CloseGate gate = new CloseGate();

  private UdpSocket(int fd, int wakeFd, int port) {
    this.fd = fd;
    this.wakeFd = wakeFd;
    this.port = port;
  }

  /** A non-blocking socket bound to {@code [::]:port} (0 picks one), accepting IPv4 too. */
  static UdpSocket open(int port) throws IOException {
    final int fd = Syscalls.socket(Syscalls.AF_INET6);
    int wakeFd = -1;
    try {
      final int r = Syscalls.setIntOption(fd, Syscalls.IPPROTO_IPV6, Syscalls.IPV6_V6ONLY, 0);
      if (r < 0) {
        throw Syscalls.failure("setsockopt IPV6_V6ONLY=0", -r);
      }
      raiseBuffer(fd, Syscalls.SO_RCVBUFFORCE, Syscalls.SO_RCVBUF);
      raiseBuffer(fd, Syscalls.SO_SNDBUFFORCE, Syscalls.SO_SNDBUF);
      final int bound = Syscalls.bindAnyAddress(fd, port);
      wakeFd = Syscalls.eventfd();
      return new UdpSocket(fd, wakeFd, bound);
    } catch (IOException | RuntimeException e) {
      Syscalls.close(fd);
      if (wakeFd >= 0) {
        Syscalls.close(wakeFd);
      }
      throw e;
    }
  }

  /** The {@code *FORCE} option passes net.core.*mem_max but needs CAP_NET_ADMIN; else capped. */
  private static void raiseBuffer(int fd, int force, int plain) {
    if (Syscalls.setIntOption(fd, Syscalls.SOL_SOCKET, force, BUFFER_BYTES) < 0) {
      Syscalls.setIntOption(fd, Syscalls.SOL_SOCKET, plain, BUFFER_BYTES);
    }
  }

  /** Wakes waiting calls (they see the gate closed) and closes once the last has left. */
  void retire() {
    if (!gate.closeAndEnter()) {
      return;
    }
    try {
      Syscalls.signal(wakeFd);
    } finally {
      if (gate.exit()) {
        release();
      }
    }
  }

  /** Closes the descriptors; for whoever {@link CloseGate#exit} named. */
  void release() {
    Syscalls.close(fd);
    Syscalls.close(wakeFd);
  }
}
