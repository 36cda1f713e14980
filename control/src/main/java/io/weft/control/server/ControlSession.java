package io.weft.control.server;

import io.weft.control.noise.NoiseStream;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.MessageCodec;
import io.weft.control.protocol.Protocol;
import io.weft.control.protocol.RegisterStatus;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * One node's connection after the Noise handshake: a reader (the connection's virtual thread)
 * answering requests, and a writer (another virtual thread) draining a bounded queue of replies and
 * map messages, numbering map messages and sending keepalives when idle. A stream that falls {@link
 * #QUEUE_CAPACITY} messages behind is closed; the node resumes or resynchronises. Until the machine
 * is registered, the first message and the registration each have a deadline and a message may be
 * at most {@link TransportConfig#maxUnregisteredMessageBytes()}; a longer one is refused from its
 * length prefix, before any of it is buffered.
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
  private final TransportConfig limits;
  private final ScheduledExecutorService timers;
  private final AtomicLong dropped;
  private final io.weft.control.flowlogs.FlowLogs flowLogs;
  private final BlockingQueue<Message> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private volatile boolean registered;
  private volatile int messages;
  private volatile boolean streaming;
  private volatile boolean closed;
  private volatile long lastVersion;
  private long seq;

  ControlSession(
      NoiseStream stream,
      String machineKey,
      NodeRegistry registry,
      long keepAliveNanos,
      InetAddress source,
      TransportConfig limits,
      ScheduledExecutorService timers,
      AtomicLong dropped,
      io.weft.control.flowlogs.FlowLogs flowLogs) {
    this.stream = stream;
    this.flowLogs = flowLogs;
    this.source = source;
    this.machineKey = machineKey;
    this.registry = registry;
    this.keepAliveNanos = keepAliveNanos;
    this.limits = limits;
    this.timers = timers;
    this.dropped = dropped;
  }

  /** The address the connection came from (for per-source limits), or null. */
  InetAddress source() {
    return source;
  }

  /** Serves the connection until it closes. */
  void run() {
    // Until the machine is registered its channel costs the server without a known owner: the
    // first message and the registration each have a deadline, and messages a small size limit.
    ScheduledFuture<?> firstMessage =
        closeUnless(limits.firstMessageDeadline(), () -> messages > 0, "no message");
    ScheduledFuture<?> registration =
        closeUnless(limits.registrationDeadline(), () -> registered, "not registered");
    Thread writer = Thread.ofVirtual().name("weft-control-writer").start(this::writeLoop);
    try {
      while (!closed) {
        Message m;
        try {
          m =
              readMessage(
                  stream.in(),
                  registered ? Protocol.MAX_MESSAGE_BYTES : limits.maxUnregisteredMessageBytes());
        } catch (EOFException e) {
          break;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
          dropped.incrementAndGet();
          send(
              new Message.Error(0, 400, "malformed message: " + firstLine(e.getOriginalMessage())));
          break;
        } catch (MessageTooLarge e) {
          dropped.incrementAndGet();
          send(new Message.Error(0, 413, e.getMessage()));
          break;
        }
        messages++;
        handle(m);
      }
    } catch (IOException e) {
      if (!closed) {
        dropped.incrementAndGet();
      }
      LOG.log(Level.DEBUG, "control connection ended: {0}", e.getMessage());
    } catch (RuntimeException e) {
      dropped.incrementAndGet();
      LOG.log(Level.WARNING, "control connection failed", e);
    } finally {
      firstMessage.cancel(false);
      registration.cancel(false);
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

  private ScheduledFuture<?> closeUnless(Duration after, BooleanSupplier done, String what) {
    return timers.schedule(
        () -> {
          if (!done.getAsBoolean() && !closed) {
            LOG.log(Level.DEBUG, "control connection closed: {0} within {1}", what, after);
            dropped.incrementAndGet();
            closed = true;
            closeQuietly();
          }
        },
        after.toNanos(),
        TimeUnit.NANOSECONDS);
  }

  /** A message larger than the connection may send now. */
  private static final class MessageTooLarge extends IOException {
    MessageTooLarge(String reason) {
      super(reason);
    }
  }

  /** Reads one framed message of at most {@code max} bytes; a longer one is refused unread. */
  private static Message readMessage(InputStream in, int max) throws IOException {
    byte[] header = in.readNBytes(4);
    if (header.length == 0) {
      throw new EOFException("end of stream");
    }
    if (header.length < 4) {
      throw new EOFException("truncated frame header");
    }
    int len =
        ((header[0] & 0xff) << 24)
            | ((header[1] & 0xff) << 16)
            | ((header[2] & 0xff) << 8)
            | (header[3] & 0xff);
    if (len < 0 || len > max) {
      throw new MessageTooLarge(
          "message of "
              + Integer.toUnsignedString(len)
              + " bytes exceeds the limit of "
              + max
              + " bytes");
    }
    byte[] json = in.readNBytes(len);
    if (json.length != len) {
      throw new EOFException("truncated message");
    }
    return MessageCodec.decode(json);
  }

  private void handle(Message m) {
    switch (m) {
      case Message.Register r -> {
        Message.RegisterResult result = registry.register(machineKey, r, this);
        if (result.status() == RegisterStatus.AUTHORIZED) {
          registered = true;
        }
        send(result);
      }
      case Message.UpdateHostInfo u -> {
        String err = registry.updateHostInfo(machineKey, u);
        if (err == null) {
          registered = true;
        }
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
        } else {
          registered = true;
        }
      }
      case Message.FlowLogUpload u -> send(flowLogs.upload(machineKey, u));
      case Message.Logout l -> {
        registry.logout(machineKey);
        send(new Message.Ack(l.id()));
        end("logged out");
      }
      default ->
          send(new Message.Error(0, 400, "a node may not send " + m.getClass().getSimpleName()));
    }
  }

  /** Queues a reply or event; if the queue is full the connection is dropped. */
  void send(Message m) {
    if (m instanceof Message.LoginComplete) {
      registered = true;
    }
    if (!queue.offer(m)) {
      LOG.log(
          Level.WARNING, "control connection fell {0} messages behind; closing it", QUEUE_CAPACITY);
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
      case Message.FullMap f ->
          new Message.FullMap(
              ++seq,
              f.epoch(),
              f.version(),
              f.domain(),
              f.self(),
              f.peers(),
              f.packetFilter(),
              f.relayMap());
      case Message.MapDelta d ->
          new Message.MapDelta(
              ++seq,
              d.version(),
              d.self(),
              d.peersAdded(),
              d.peersRemoved(),
              d.peersChanged(),
              d.packetFilter(),
              d.relayMap());
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
