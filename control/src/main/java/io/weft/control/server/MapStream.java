package io.weft.control.server;

import io.weft.control.protocol.Message;

/**
 * Where the broker delivers one node's map messages. Must not block. A network session is one;
 * {@link ControlServer#attachStream} takes others (benchmarks standing in for many connections).
 */
public interface MapStream {
  /**
   * Queues a map message; the stream assigns its {@code seq}. Returns false if the stream is gone.
   */
  boolean offer(Message.MapMessage m);

  /** Ends the stream (and its connection) with a reason for the node. */
  void end(String reason);
}
