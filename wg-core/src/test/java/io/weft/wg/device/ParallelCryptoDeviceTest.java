package io.weft.wg.device;

/**
 * Every {@link DeviceTest} again with packets sealed and opened on three parallel crypto workers.
 */
class ParallelCryptoDeviceTest extends DeviceTest {
  @Override
  int cryptoWorkers() {
    return 3;
  }
}
