package io.weft.tun.windows;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link WintunApi} with the adapter's two rings in memory: the test plays the operating system,
 * putting packets in the receive ring and taking them from the send ring. Events are numbers,
 * signalled under this object's monitor.
 */
final class InMemoryWintun implements WintunApi {
  static final long ADAPTER = 0x100;
  static final long SESSION = 0x200;
  static final long READ_EVENT = 1;
  static final long CLOSE_EVENT = 2;

  private final ArrayDeque<byte[]> receiveRing = new ArrayDeque<>();
  private final ArrayDeque<byte[]> sendRing = new ArrayDeque<>();
  private final List<String> calls = new ArrayList<>();
  private int outstandingReceives;
  private int sendRoom = Integer.MAX_VALUE;
  private boolean closeSignalled;
  private boolean terminating;
  private int waiters;

  /** The OS hands the adapter a packet (it will come out of {@code read}). */
  synchronized void deliver(byte[] packet) {
    receiveRing.add(packet);
    notifyAll(); // the read-wait event
  }

  /** Packets the device wrote, oldest first, waiting up to {@code timeout} for {@code count}. */
  synchronized List<byte[]> sent(int count, Duration timeout) throws InterruptedException {
    final long deadline = System.nanoTime() + timeout.toNanos();
    while (sendRing.size() < count) {
      final long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    final List<byte[]> out = new ArrayList<>();
    while (!sendRing.isEmpty() && out.size() < count) {
      out.add(sendRing.poll());
    }
    return out;
  }

  /** Only {@code packets} more fit the send ring; after that it is full. */
  synchronized void limitSendRoom(int packets) {
    sendRoom = packets;
  }

  /** The adapter is being removed: receive and allocate fail as with {@code ERROR_HANDLE_EOF}. */
  synchronized void terminate() {
    terminating = true;
    notifyAll();
  }

  /** Waits (bounded) until a reader waits on the events. */
  synchronized void awaitWaiter(Duration timeout) throws InterruptedException {
    final long deadline = System.nanoTime() + timeout.toNanos();
    while (waiters == 0) {
      final long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no reader waiting after " + timeout);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  synchronized int outstandingReceives() {
    return outstandingReceives;
  }

  @Override
  public synchronized long createAdapter(String name, String tunnelType) {
    calls.add("createAdapter " + name + " " + tunnelType);
    return ADAPTER;
  }

  @Override
  public synchronized long startSession(long adapter, int capacity) {
    calls.add("startSession " + capacity);
    return SESSION;
  }

  @Override
  public long readWaitEvent(long session) {
    return READ_EVENT;
  }

  @Override
  public synchronized long createEvent() {
    return CLOSE_EVENT;
  }

  @Override
  public synchronized void setEvent(long event) {
    if (event == CLOSE_EVENT) {
      closeSignalled = true;
    }
    notifyAll();
  }

  @Override
  public synchronized void endSession(long session) {
    calls.add("endSession");
  }

  @Override
  public synchronized void closeAdapter(long adapter) {
    calls.add("closeAdapter");
  }

  @Override
  public synchronized void closeHandle(long handle) {
    calls.add("closeHandle " + handle);
  }

  @Override
  public synchronized MemorySegment receivePacket(long session) throws IOException {
    if (terminating) {
      throw new IOException(
          "WintunReceivePacket: the adapter is going away failed: Win32 error 38");
    }
    final byte[] p = receiveRing.poll();
    if (p == null) {
      return null;
    }
    outstandingReceives++;
    final MemorySegment s = Arena.ofAuto().allocate(Math.max(1, p.length)).asSlice(0, p.length);
    MemorySegment.copy(MemorySegment.ofArray(p), 0, s, 0, p.length);
    return s;
  }

  @Override
  public synchronized void releaseReceivePacket(long session, MemorySegment packet) {
    outstandingReceives--;
  }

  @Override
  public synchronized MemorySegment allocateSendPacket(long session, int size) throws IOException {
    if (terminating) {
      throw new IOException(
          "WintunAllocateSendPacket: the adapter is going away failed: Win32 error 38");
    }
    if (sendRoom == 0) {
      return null;
    }
    sendRoom--;
    return Arena.ofAuto().allocate(size);
  }

  @Override
  public synchronized void sendPacket(long session, MemorySegment packet) {
    sendRing.add(packet.toArray(ValueLayout.JAVA_BYTE));
    notifyAll();
  }

  @Override
  public synchronized int waitForEither(long first, long second) throws IOException {
    waiters++;
    notifyAll();
    try {
      while (receiveRing.isEmpty() && !closeSignalled && !terminating) {
        wait();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } finally {
      waiters--;
    }
    return closeSignalled ? 1 : 0;
  }

  @Override
  public synchronized void setMtu(String adapterName, int mtu) {
    calls.add("setMtu " + adapterName + " " + mtu);
  }
}
