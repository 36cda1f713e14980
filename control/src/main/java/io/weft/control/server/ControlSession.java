package io.weft.control.server;

import io.weft.control.noise.NoiseStream;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.MessageCodec;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One node's connection after the Noise handshake: a reader (the connection's virtual thread)
 * answering requests, and a writer (another virtual thread) draining a bounded queue of replies
 * and map messages, numbering map messages and sending keepalives when idle. A stream that falls
 * {@link #QUEUE_CAPACITY} messages behind is closed; the node resumes or resynchronises.
 */
final class ControlSession implements MapStream {
  /** Messages queued for one connection before it is dropped as too slow. */
  static final int QUEUE_CAPACITY = 16_384;
  private static final int MAX_BATCH = 512;
  private static final System.Logger LOG = System.getLogger(ControlSession.class.getName());
  private static final Message CLOSE = new Message.Goodbye("");

  private final NoiseStream stream;
  private final String machineKey;
  private final NodeRegistry registry;
  private final long keepAliveNanos;
  private final InetAddress source;
  private final io.weft.control.flowlogs.FlowLogs flowLogs;
  private final BlockingQueue<Message> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private volatile boolean streaming;
  private volatile boolean closed;
  private volatile long lastVersion;
  private long seq;

  ControlSession(NoiseStream stream, String machineKey, NodeRegistry registry, long keepAliveNanos, InetAddress source,
      io.weft.control.flowlogs.FlowLogs flowLogs) {
    this.stream = stream;
    this.flowLogs = flowLogs;
    this.source = source;
    this.machineKey = machineKey;
    this.registry = registry;
    this.keepAliveNanos = keepAliveNanos;
  }

  /** The address the connection came from (for per-source limits), or null. */
  InetAddress source() {
    return source;
  }

  /** Serves the connection until it closes. */
  void run() {
    Thread writer = Thread.ofVirtual().name("weft-control-writer").start(this::writeLoop);
    try {
      while (!closed) {
        Message m;
        try {
          m = MessageCodec.read(stream.in());
        } catch (EOFException e) {
          break;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
          send(new Message.Error(0, 400, "malformed message: " + firstLine(e.getOriginalMessage())));
          break;
        }
        handle(m);
      }
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "control connection ended: {0}", e.getMessage());
    } finally {
      closed = true;
      queue.offer(CLOSE);
      if (streaming) {
        registry.streamEnded(machineKey, this, this);
      } else {
        registry.streamEnded(machineKey, null, this);
      }
      try {
        writer.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      closeQuietly();
    }
  }

  private void handle(Message m) {
    switch (m) {
      case Message.Register r -> send(registry.register(machineKey, r, this));
      case Message.UpdateHostInfo u -> {
        String err = registry.updateHostInfo(machineKey, u);
        send(err == null ? new Message.Ack(u.id()) : new Message.Error(u.id(), 400, err));
      }
      case Message.MapSubscribe s -> {
        if (streaming) {
          send(new Message.Error(s.id(), 409, "this connection already streams its map"));
          return;
        }
        streaming = true;
        String err = registry.subscribe(machineKey, this, s.epoch(), s.sinceVersion());
        if (err != null) {
          streaming = false;
          send(new Message.Error(s.id(), 403, err));
        }
      }
      case Message.FlowLogUpload u -> send(flowLogs.upload(machineKey, u));
      case Message.Logout l -> {
        registry.logout(machineKey);
        send(new Message.Ack(l.id()));
        end("logged out");
      }
      default -> send(new Message.Error(0, 400, "a node may not send " + m.getClass().getSimpleName()));
    }
  }

  /** Queues a reply or event; if the queue is full the connection is dropped. */
  void send(Message m) {
    if (!queue.offer(m)) {
      LOG.log(Level.WARNING, "control connection fell {0} messages behind; closing it", QUEUE_CAPACITY);
      closed = true;
      closeQuietly();
    }
  }

  @Override
  public boolean offer(Message.MapMessage m) {
    if (closed) {
      return false;
    }
    lastVersion = Math.max(lastVersion, m.version());
    send(m);
    return !closed;
  }

  @Override
  public void end(String reason) {
    if (!closed) {
      queue.offer(new Message.Goodbye(reason));
      queue.offer(CLOSE);
    }
  }

  private void writeLoop() {
    OutputStream out = stream.out();
    try {
      while (true) {
        Message m = queue.poll(keepAliveNanos, TimeUnit.NANOSECONDS);
        if (m == null) {
          if (streaming && !closed) {
            MessageCodec.write(out, new Message.KeepAlive(++seq, lastVersion));
            out.flush();
          } else if (closed) {
            return;
          }
          continue;
        }
        int n = 0;
        do {
          if (m == CLOSE) {
            out.flush();
            closed = true;
            closeQuietly();
            return;
          }
          MessageCodec.write(out, numbered(m));
          m = ++n < MAX_BATCH ? queue.poll() : null;
        } while (m != null);
        out.flush();
      }
    } catch (IOException e) {
      closed = true;
      closeQuietly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Message numbered(Message m) {
    return switch (m) {
      case Message.FullMap f -> new Message.FullMap(++seq, f.epoch(), f.version(), f.domain(), f.self(), f.peers());
      case Message.MapDelta d ->
          new Message.MapDelta(++seq, d.version(), d.self(), d.peersAdded(), d.peersRemoved(), d.peersChanged());
      case Message.KeepAlive k -> new Message.KeepAlive(++seq, k.version());
      default -> m;
    };
  }

  private void closeQuietly() {
    try {
      stream.close();
    } catch (IOException e) {
      // Already closing.
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 200 ? line.substring(0, 200) : line;
  }
}
