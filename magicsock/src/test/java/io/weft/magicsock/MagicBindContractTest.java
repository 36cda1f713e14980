package io.weft.magicsock;

import io.weft.wg.conn.Bind;
import io.weft.wg.conn.BindContractTest;
import io.weft.wg.conn.BindFactory;
import io.weft.wg.conn.RelayMap;
import io.weft.wg.conn.UdpBind;
import io.weft.wg.key.DiscoPrivateKey;
import io.weft.wg.key.NoisePrivateKey;
import java.io.IOException;
import java.security.SecureRandom;

/** wg-core's Bind contract, run against a MagicBind without relays (UDP only). */
class MagicBindContractTest extends BindContractTest {
  @Override
  protected Bind newBind() {
    SecureRandom r = new SecureRandom();
    NoisePrivateKey n = NoisePrivateKey.generate(r);
    DiscoPrivateKey d = DiscoPrivateKey.generate(r);
    try {
      return MagicBind.factory(
              MagicBind.Options.defaults()
                  .withTickInterval(null)
                  .withUdp(UdpBind::new)
                  .withInterfaceEndpoints(false))
          .create(
              new BindFactory.NodeKeys(n, n.publicKey(), d, d.publicKey()),
              RelayMap.EMPTY,
              BindFactory.EndpointListener.NONE);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  protected int portOf(Bind b) {
    return ((MagicBind) b).port();
  }
}
