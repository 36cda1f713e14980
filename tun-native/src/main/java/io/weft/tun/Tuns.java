package io.weft.tun;

import io.weft.tun.darwin.MacUtun;
import io.weft.tun.io.Os;
import io.weft.tun.linux.LinuxTun;
import io.weft.tun.windows.WindowsWintun;
import io.weft.wg.tun.Tun;
import java.io.IOException;

/**
 * Opens the operating system's TUN device: {@link LinuxTun}, {@link MacUtun} or {@link
 * WindowsWintun}.
 */
public final class Tuns {
  private Tuns() {}

  /**
   * Creates a TUN interface, sets its MTU and brings it up.
   *
   * @param name the interface name; on Linux it may contain {@code %d} and on macOS it must be
   *     {@code utunN} or {@code utun} (kernel's choice); {@link Tun#name()} says what was created
   * @throws IOException if the OS refuses (usually: not root/Administrator) or has no TUN support
   *     here
   */
  public static Tun open(String name, int mtu) throws IOException {
    return open(name, mtu, false);
  }

  /**
   * {@link #open(String, int)}, asking for TCP segmentation and receive offloads where the platform
   * has them (Linux: {@link LinuxTun#open(String, int, int, boolean)}, which falls back to a plain
   * TUN when the kernel refuses); elsewhere {@code offloads} is ignored.
   */
  public static Tun open(String name, int mtu, boolean offloads) throws IOException {
    return switch (Os.CURRENT) {
      case LINUX -> LinuxTun.open(name, mtu, LinuxTun.DEFAULT_BATCH_SIZE, offloads);
      case DARWIN -> MacUtun.open(name, mtu);
      case WINDOWS -> WindowsWintun.open(name, mtu);
      case OTHER ->
          throw new IOException("no TUN implementation for " + System.getProperty("os.name"));
    };
  }
}
