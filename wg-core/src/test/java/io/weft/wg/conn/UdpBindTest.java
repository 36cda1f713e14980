package io.weft.wg.conn;

/** {@link UdpBind} against the {@link Bind} contract. */
class UdpBindTest extends UdpBindContractTest {
  @Override
  protected Bind newBind() {
    return new UdpBind();
  }
}
