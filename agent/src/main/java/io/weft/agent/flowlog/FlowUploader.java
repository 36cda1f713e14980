package io.weft.agent.flowlog;

import java.io.IOException;

/** Sends one batch of records (JSON lines) to the collector. */
@FunctionalInterface
public interface FlowUploader {
  /**
   * Returns normally only once the collector has acknowledged (stored) the batch; throws when it
   * has not (unreachable, refused), in which case the batch stays in the spool.
   */
  void upload(byte[] jsonLines) throws IOException;
}
