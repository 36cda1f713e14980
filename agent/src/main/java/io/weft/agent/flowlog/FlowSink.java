package io.weft.agent.flowlog;

import io.weft.control.protocol.FlowRecord;
import java.io.IOException;
import java.util.List;

/**
 * Where {@link FlowLog} hands the records of each flush (the {@link FlowSpool}, or a test's list).
 */
@FunctionalInterface
public interface FlowSink {
  /** Takes {@code records} (sequence numbers 0: the sink numbers them). */
  void accept(List<FlowRecord> records) throws IOException;
}
