package io.weft.wg.conn;

import io.weft.wg.conn.linux.LinuxBatchUdpBind;

/** Picks the best plain UDP {@link Bind} this platform offers. */
public final class Binds {
  private Binds() {}

  /**
   * A {@link LinuxBatchUdpBind} on Linux when native access is enabled and IPv6 sockets work,
   * otherwise a {@link UdpBind}.
   */
  public static Bind defaultBind() {
    return LinuxBatchUdpBind.isSupported() ? new LinuxBatchUdpBind() : new UdpBind();
  }
}
