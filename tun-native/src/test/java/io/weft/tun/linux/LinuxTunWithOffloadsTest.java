package io.weft.tun.linux;

/**
 * The {@link io.weft.wg.testing.TunContract} tests again, on a TUN opened with offloads: with an
 * empty virtio header in front of each packet the device must behave exactly as without.
 */
class LinuxTunWithOffloadsTest extends LinuxTunTest {
  @Override
  boolean offloads() {
    return true;
  }
}
