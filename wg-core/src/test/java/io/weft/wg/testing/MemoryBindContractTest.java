package io.weft.wg.testing;

import io.weft.testing.Await;
import io.weft.wg.conn.Bind;
import io.weft.wg.conn.BindContractTest;
import java.time.Duration;

/** {@link MemoryNetwork}'s bind keeps the {@link BindContractTest}, as the socket binds do. */
class MemoryBindContractTest extends BindContractTest {
  private final MemoryNetwork network = new MemoryNetwork();

  @Override
  protected Bind newBind() {
    return network.newBind();
  }

  @Override
  protected int portOf(Bind b) {
    return MemoryNetwork.portOf(b);
  }

  @Override
  protected void awaitBlocked(PendingReceive receive) {
    Await.untilParked(receive.thread(), Duration.ofSeconds(10));
  }
}
