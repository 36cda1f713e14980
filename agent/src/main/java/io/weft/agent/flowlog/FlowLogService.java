package io.weft.agent.flowlog;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a node's flow log: every few seconds ({@link #start}) a {@link #tick} flushes the {@link
 * FlowLog} into the {@link FlowSpool} and uploads what the spool holds. {@link #close} writes the
 * flows still open and tries one last upload; whatever is not acknowledged stays on disk for the
 * next start.
 */
public final class FlowLogService implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(FlowLogService.class.getName());

  /** How often records are flushed and sent by default. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

  private final FlowLog log;
  private final FlowSpool spool;
  private final FlowUploader uploader;
  private final CountDownLatch stop = new CountDownLatch(1);
  private Thread thread;

  public FlowLogService(FlowLog log, FlowSpool spool, FlowUploader uploader) {
    this.log = Objects.requireNonNull(log, "log");
    this.spool = Objects.requireNonNull(spool, "spool");
    this.uploader = Objects.requireNonNull(uploader, "uploader");
  }

  /** The flow log. */
  public FlowLog log() {
    return log;
  }

  /** The spool. */
  public FlowSpool spool() {
    return spool;
  }

  /** Flushes the records due into the spool and uploads the spool; returns batches sent. */
  public int tick() throws IOException {
    log.flush();
    return spool.upload(uploader);
  }

  /** Ticks every {@code interval} on a virtual thread until {@link #close}. */
  public synchronized FlowLogService start(Duration interval) {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    thread =
        Thread.ofVirtual()
            .name("weft-flowlog")
            .start(
                () -> {
                  try {
                    while (!stop.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
                      try {
                        tick();
                      } catch (IOException | RuntimeException e) {
                        LOG.log(Level.WARNING, "flow log flush failed: {0}", e.toString());
                      }
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    return this;
  }

  @Override
  public void close() throws IOException {
    stop.countDown();
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    log.close();
    spool.upload(uploader);
  }
}
