package io.weft.agent.netmap;

import io.weft.control.protocol.NetMap;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Delivers network maps from one publisher to any number of subscribers.
 *
 * <ul>
 *   <li>Snapshots: each map is a whole, immutable-by-convention view (subscribers never mutate it);
 *       a subscriber gets the current map as soon as it subscribes, then every newer one.
 *   <li>Bounded: each subscriber has one slot. {@link #publish} puts the map there and returns at
 *       once; a subscriber still busy with an older map finds only the newest when it is done (the
 *       ones in between are counted as {@link Subscription#skipped()}). No subscriber can block the
 *       publisher or another subscriber.
 *   <li>Ordered: a subscriber sees maps in publication order, one at a time, on its own virtual
 *       thread; an exception it throws is logged and the next map still comes.
 * </ul>
 */
public final class NetMapBus implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(NetMapBus.class.getName());

  private final String name;
  private final List<Sub> subscribers = new CopyOnWriteArrayList<>();
  private NetMap current; // guarded by this
  private boolean closed; // guarded by this

  /** A bus named {@code name} (in thread names and logs). */
  public NetMapBus(String name) {
    this.name = Objects.requireNonNull(name, "name");
  }

  /** One subscriber's handle. */
  public interface Subscription extends AutoCloseable {
    /** Maps handed to the subscriber so far. */
    long delivered();

    /** Maps replaced by a newer one before the subscriber got to them. */
    long skipped();

    /** Stops deliveries (a delivery in progress finishes). */
    @Override
    void close();
  }

  /** Publishes {@code map}, which the bus now owns: nobody may modify it afterwards. */
  public void publish(NetMap map) {
    Objects.requireNonNull(map, "map");
    synchronized (this) {
      if (closed) {
        return;
      }
      current = map;
      // Offered under the lock so that every subscriber sees maps in publication order.
      for (Sub s : subscribers) {
        s.offer(map);
      }
    }
  }

  /** The last map published, or null before the first. */
  public synchronized NetMap current() {
    return current;
  }

  /**
   * Calls {@code subscriber} with the current map (if any) and then with each newer one, on a
   * virtual thread of its own named after {@code what}.
   */
  public Subscription subscribe(String what, Consumer<NetMap> subscriber) {
    Sub s = new Sub(what, subscriber);
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the netmap bus " + name + " is closed");
      }
      subscribers.add(s);
      if (current != null) {
        s.offer(current);
      }
    }
    s.thread = Thread.ofVirtual().name("weft-netmap-" + name + "-" + what).start(s::run);
    return s;
  }

  /** Stops every subscriber; later publications are ignored. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    for (Sub s : subscribers) {
      s.close();
    }
  }

  private final class Sub implements Subscription {
    final String what;
    final Consumer<NetMap> consumer;
    volatile Thread thread;
    private NetMap pending; // guarded by this
    private boolean stopped; // guarded by this
    private long delivered; // guarded by this
    private long skipped; // guarded by this

    Sub(String what, Consumer<NetMap> consumer) {
      this.what = what;
      this.consumer = Objects.requireNonNull(consumer, "subscriber");
    }

    synchronized void offer(NetMap m) {
      if (pending != null) {
        skipped++;
      }
      pending = m;
      notifyAll();
    }

    void run() {
      while (true) {
        NetMap m;
        synchronized (this) {
          while (pending == null && !stopped) {
            try {
              wait();
            } catch (InterruptedException e) {
              return;
            }
          }
          if (stopped) {
            return;
          }
          m = pending;
          pending = null;
        }
        try {
          consumer.accept(m);
        } catch (RuntimeException e) {
          LOG.log(
              Level.WARNING,
              "netmap subscriber {0} failed on map version {1}: {2}",
              what,
              Long.toString(m.version()),
              e.toString());
        }
        synchronized (this) {
          delivered++;
          notifyAll();
        }
      }
    }

    @Override
    public synchronized long delivered() {
      return delivered;
    }

    @Override
    public synchronized long skipped() {
      return skipped;
    }

    @Override
    public void close() {
      synchronized (this) {
        stopped = true;
        pending = null;
        notifyAll();
      }
      subscribers.remove(this);
    }
  }
}
