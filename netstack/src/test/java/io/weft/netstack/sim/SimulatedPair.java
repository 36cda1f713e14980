package io.weft.netstack.sim;

import io.weft.netstack.iface.Interface;
import io.weft.netstack.iface.InterfaceConfig;
import io.weft.netstack.phy.FaultInjector;
import io.weft.netstack.phy.FaultInjector.Faults;
import io.weft.netstack.phy.PacketSink;
import io.weft.netstack.wire.IpAddress;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * Two interfaces joined by a fault injector in each direction, driven by a simulated clock: each
 * step delivers due packets, polls both stacks, runs the application, then jumps the clock to the
 * next deadline. No threads, no sleeps, no wall clock.
 */
final class SimulatedPair {
  static final IpAddress A4 = IpAddress.parse("10.0.0.1");
  static final IpAddress B4 = IpAddress.parse("10.0.0.2");
  static final IpAddress A6 = IpAddress.parse("fd00::1");
  static final IpAddress B6 = IpAddress.parse("fd00::2");

  long now = 1_000_000_000L;
  final Interface a;
  final Interface b;
  final FaultInjector towardsB;
  final FaultInjector towardsA;

  SimulatedPair(Faults faults, long seed, int mtu) {
    this(faults, seed, mtu, null);
  }

  /** With {@code tap} set, every packet either side sends is also written there (before faults). */
  SimulatedPair(Faults faults, long seed, int mtu, PacketSink tap) {
    towardsB = new FaultInjector(faults, seed, () -> now, mtu);
    towardsA = new FaultInjector(faults, seed + 1, () -> now, mtu);
    PacketSink toB =
        tap == null
            ? towardsB
            : (buf, off, len) -> {
              tap.send(buf, off, len);
              towardsB.send(buf, off, len);
            };
    PacketSink toA =
        tap == null
            ? towardsA
            : (buf, off, len) -> {
              tap.send(buf, off, len);
              towardsA.send(buf, off, len);
            };
    a = new Interface(InterfaceConfig.of(A4, A6).withMtu(mtu), toB, new SplittableRandom(seed + 2));
    b = new Interface(InterfaceConfig.of(B4, B6).withMtu(mtu), toA, new SplittableRandom(seed + 3));
  }

  /**
   * Runs until {@code done} holds or the clock passes {@code limitNanos} of simulated time; returns
   * the simulated nanoseconds used. Throws if nothing is scheduled while not done.
   */
  long runUntil(BooleanSupplier done, Runnable application, long limitNanos) {
    return runUntil(done, application, () -> Long.MAX_VALUE, limitNanos);
  }

  /** As above, with an application that also wants to run at {@code applicationDeadline}. */
  long runUntil(
      BooleanSupplier done,
      Runnable application,
      java.util.function.LongSupplier applicationDeadline,
      long limitNanos) {
    final long start = now;
    int spins = 0;
    while (!done.getAsBoolean()) {
      towardsB.deliver(now, (buf, off, len) -> b.receive(now, buf, off, len));
      towardsA.deliver(now, (buf, off, len) -> a.receive(now, buf, off, len));
      application.run();
      a.poll(now);
      b.poll(now);
      if (done.getAsBoolean()) {
        break;
      }
      long next =
          Math.min(
              Math.min(a.nextDeadline(), b.nextDeadline()),
              Math.min(towardsA.nextDelivery(), towardsB.nextDelivery()));
      next = Math.min(next, Math.max(applicationDeadline.getAsLong(), now + 1));
      if (next <= now) {
        if (++spins > 100_000) {
          throw new IllegalStateException("no progress at t=" + now);
        }
        continue;
      }
      spins = 0;
      if (next == Long.MAX_VALUE) {
        application.run();
        if (done.getAsBoolean()) {
          break;
        }
        throw new IllegalStateException("nothing scheduled and not done at t=" + (now - start));
      }
      now = next;
      if (now - start > limitNanos) {
        throw new IllegalStateException("simulated time limit exceeded");
      }
    }
    return now - start;
  }

  /** Advances the clock to {@code t} while running the stacks, regardless of completion. */
  void runFor(long nanos, Runnable application) {
    final long end = now + nanos;
    while (now < end) {
      towardsB.deliver(now, (buf, off, len) -> b.receive(now, buf, off, len));
      towardsA.deliver(now, (buf, off, len) -> a.receive(now, buf, off, len));
      application.run();
      a.poll(now);
      b.poll(now);
      long next =
          Math.min(
              Math.min(a.nextDeadline(), b.nextDeadline()),
              Math.min(towardsA.nextDelivery(), towardsB.nextDelivery()));
      if (next <= now) {
        continue;
      }
      now = Math.min(next, end);
    }
  }
}
