package io.weft.netstack;

import io.weft.netstack.tcp.TcpListener;
import java.io.IOException;
import java.time.Duration;

/** A listening TCP port of a {@link NetStack}. */
public final class TcpServer implements AutoCloseable {
  private final NetStack stack;
  private final TcpListener listener;

  TcpServer(NetStack stack, TcpListener listener) {
    this.stack = stack;
    this.listener = listener;
  }

  public int port() {
    return listener.port();
  }

  /** Waits for the next established connection; a null or zero timeout waits indefinitely. */
  public TcpConnection accept(Duration timeout) throws IOException {
    return new TcpConnection(stack, stack.accept(listener, timeout));
  }

  public TcpConnection accept() throws IOException {
    return accept(null);
  }

  /** Stops listening; connections not yet accepted are reset. */
  @Override
  public void close() {
    stack.closeListener(listener);
  }
}
