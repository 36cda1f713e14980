package io.weft.agent.engine;

import io.weft.wg.conn.Bind;
import io.weft.wg.conn.Endpoint;
import java.io.IOException;
import java.nio.ByteBuffer;

/** A bind that forwards everything to another: tests override what they observe. */
class ForwardingBind implements Bind {
  final Bind inner;

  ForwardingBind(Bind inner) {
    this.inner = inner;
  }

  @Override
  public int open(int port) throws IOException {
    return inner.open(port);
  }

  @Override
  public int receive(ByteBuffer[] bufs, int[] sizes, Endpoint[] sources) throws IOException {
    return inner.receive(bufs, sizes, sources);
  }

  @Override
  public void send(ByteBuffer[] bufs, int count, Endpoint destination) throws IOException {
    inner.send(bufs, count, destination);
  }

  @Override
  public Endpoint parseEndpoint(String hostPort) {
    return inner.parseEndpoint(hostPort);
  }

  @Override
  public int batchSize() {
    return inner.batchSize();
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
