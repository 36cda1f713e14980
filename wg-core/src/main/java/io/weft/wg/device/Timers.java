package io.weft.wg.device;

import static io.weft.wg.device.Constants.KEEPALIVE_TIMEOUT_NANOS;
import static io.weft.wg.device.Constants.MAX_TIMER_HANDSHAKES;
import static io.weft.wg.device.Constants.REJECT_AFTER_TIME_NANOS;
import static io.weft.wg.device.Constants.REKEY_TIMEOUT_JITTER_MAX_NANOS;
import static io.weft.wg.device.Constants.REKEY_TIMEOUT_NANOS;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * WireGuard's per-peer timers (paper §6.2–§6.5; wireguard-go {@code timers.go}): handshake retry
 * with jitter until MAX_TIMER_HANDSHAKES, passive keepalive, new handshake when sent data is not
 * answered, key zeroing after 3 × REJECT_AFTER_TIME, and persistent keepalive.
 *
 * <p>Timers are deadlines on the injected clock; {@link Device#pollTimers()} fires the expired
 * ones. A device thread polls at the earliest deadline; tests on a {@code ManualClock} call it
 * directly, so no test sleeps.
 */
final class Timers {
  private Timers() {}

  /** Deadlines (monotonic nanos; {@link #OFF} when not armed) and flags of one peer. */
  static final class State {
    static final long OFF = Long.MIN_VALUE;
    final ReentrantLock lock = new ReentrantLock();
    long retransmitHandshake = OFF;
    long sendKeepalive = OFF;
    long newHandshake = OFF;
    long zeroKeyMaterial = OFF;
    long persistentKeepalive = OFF;
    int handshakeAttempts;
    boolean needAnotherKeepalive;
    boolean sentLastMinuteHandshake;
  }

  private static long now(Peer p) {
    return p.device.clock.nanoTime();
  }

  private static void arm(Peer p, long deadline) {
    p.device.timerArmed(deadline);
  }

  /** A data packet was sent: expect an answer within KEEPALIVE + REKEY_TIMEOUT. */
  static void dataSent(Peer p) {
    State t = p.timers;
    t.lock.lock();
    try {
      if (t.newHandshake == State.OFF) {
        t.newHandshake = now(p) + KEEPALIVE_TIMEOUT_NANOS + REKEY_TIMEOUT_NANOS;
        arm(p, t.newHandshake);
      }
    } finally {
      t.lock.unlock();
    }
  }

  /** A data packet was received: answer with a keepalive if we send nothing for a while. */
  static void dataReceived(Peer p) {
    State t = p.timers;
    t.lock.lock();
    try {
      if (t.sendKeepalive == State.OFF) {
        t.sendKeepalive = now(p) + KEEPALIVE_TIMEOUT_NANOS;
        arm(p, t.sendKeepalive);
      } else {
        t.needAnotherKeepalive = true;
      }
    } finally {
      t.lock.unlock();
    }
  }

  /** Any authenticated packet was sent: a pending passive keepalive is not needed. */
  static void anyAuthenticatedPacketSent(Peer p) {
    State t = p.timers;
    t.lock.lock();
    try {
      t.sendKeepalive = State.OFF;
    } finally {
      t.lock.unlock();
    }
  }

  /** Any authenticated packet was received: the peer is alive, no new handshake needed. */
  static void anyAuthenticatedPacketReceived(Peer p) {
    State t = p.timers;
    t.lock.lock();
    try {
      t.newHandshake = State.OFF;
    } finally {
      t.lock.unlock();
    }
  }

  /** Any authenticated packet went either way: restart the persistent keepalive. */
  static void anyAuthenticatedPacketTraversal(Peer p) {
    int interval = p.persistentKeepaliveSeconds;
    if (interval <= 0) {
      return;
    }
    State t = p.timers;
    t.lock.lock();
    try {
      t.persistentKeepalive = now(p) + interval * 1_000_000_000L;
      arm(p, t.persistentKeepalive);
    } finally {
      t.lock.unlock();
    }
  }

  /** We sent an initiation: retry after REKEY_TIMEOUT plus jitter. */
  static void handshakeInitiated(Peer p) {
    State t = p.timers;
    t.lock.lock();
    try {
      t.retransmitHandshake =
          now(p)
              + REKEY_TIMEOUT_NANOS
              + ThreadLocalRandom.current().nextLong(REKEY_TIMEOUT_JITTER_MAX_NANOS);
      arm(p, t.retransmitHandshake);
    } finally {
      t.lock.unlock();
    }
  }

  /** A handshake completed. */
  static void handshakeComplete(Peer p) {
    State t = p.timers;
    t.lock.lock();
    try {
      t.retransmitHandshake = State.OFF;
      t.handshakeAttempts = 0;
      t.sentLastMinuteHandshake = false;
    } finally {
      t.lock.unlock();
    }
    p.lastHandshakeEpochNanos = p.device.clock.epochNanos();
  }

  /** A session was derived: zero all key material if nothing happens for 3 × REJECT_AFTER_TIME. */
  static void sessionDerived(Peer p) {
    State t = p.timers;
    t.lock.lock();
    try {
      t.zeroKeyMaterial = now(p) + 3 * REJECT_AFTER_TIME_NANOS;
      arm(p, t.zeroKeyMaterial);
    } finally {
      t.lock.unlock();
    }
  }

  /** Stops every timer (peer removed or device down). */
  static void stopAll(Peer p) {
    State t = p.timers;
    t.lock.lock();
    try {
      t.retransmitHandshake = State.OFF;
      t.sendKeepalive = State.OFF;
      t.newHandshake = State.OFF;
      t.zeroKeyMaterial = State.OFF;
      t.persistentKeepalive = State.OFF;
    } finally {
      t.lock.unlock();
    }
  }

  /** Whether the last-minute rekey of a receiving initiator was already sent. */
  static boolean takeLastMinuteHandshake(Peer p) {
    State t = p.timers;
    t.lock.lock();
    try {
      if (t.sentLastMinuteHandshake) {
        return false;
      }
      t.sentLastMinuteHandshake = true;
      return true;
    } finally {
      t.lock.unlock();
    }
  }

  private static final int RETRANSMIT = 1;
  private static final int GIVE_UP = 2;
  private static final int KEEPALIVE = 4;
  private static final int NEW_HANDSHAKE = 8;
  private static final int ZERO = 16;
  private static final int PERSISTENT = 32;

  /**
   * Fires the expired timers of {@code p} at {@code now}.
   *
   * @return the earliest deadline still armed, or {@link State#OFF}
   */
  static long poll(Peer p, long now) {
    State t = p.timers;
    int fire = 0;
    t.lock.lock();
    try {
      if (t.retransmitHandshake != State.OFF && now - t.retransmitHandshake >= 0) {
        t.retransmitHandshake = State.OFF;
        if (t.handshakeAttempts > MAX_TIMER_HANDSHAKES) {
          fire |= GIVE_UP;
          t.sendKeepalive = State.OFF;
          if (t.zeroKeyMaterial == State.OFF) {
            t.zeroKeyMaterial = now + 3 * REJECT_AFTER_TIME_NANOS;
          }
        } else {
          t.handshakeAttempts++;
          fire |= RETRANSMIT;
        }
      }
      if (t.sendKeepalive != State.OFF && now - t.sendKeepalive >= 0) {
        t.sendKeepalive = State.OFF;
        fire |= KEEPALIVE;
        if (t.needAnotherKeepalive) {
          t.needAnotherKeepalive = false;
          t.sendKeepalive = now + KEEPALIVE_TIMEOUT_NANOS;
        }
      }
      if (t.newHandshake != State.OFF && now - t.newHandshake >= 0) {
        t.newHandshake = State.OFF;
        fire |= NEW_HANDSHAKE;
      }
      if (t.zeroKeyMaterial != State.OFF && now - t.zeroKeyMaterial >= 0) {
        t.zeroKeyMaterial = State.OFF;
        fire |= ZERO;
      }
      if (t.persistentKeepalive != State.OFF && now - t.persistentKeepalive >= 0) {
        t.persistentKeepalive = State.OFF;
        fire |= PERSISTENT;
      }
    } finally {
      t.lock.unlock();
    }
    if ((fire & GIVE_UP) != 0) {
      p.device.log.log(
          System.Logger.Level.DEBUG,
          "{0}: handshake did not complete after {1} attempts, giving up",
          p,
          MAX_TIMER_HANDSHAKES + 2);
      p.clearStaged();
    }
    if ((fire & RETRANSMIT) != 0) {
      Send.handshakeInitiation(p, true);
    }
    if ((fire & KEEPALIVE) != 0 || (fire & PERSISTENT) != 0 && p.persistentKeepaliveSeconds > 0) {
      Send.keepalive(p);
    }
    if ((fire & NEW_HANDSHAKE) != 0) {
      p.device.log.log(System.Logger.Level.DEBUG, "{0}: no reply to sent data, new handshake", p);
      Send.handshakeInitiation(p, false);
    }
    if ((fire & ZERO) != 0) {
      Keypairs.zeroAll(p);
    }
    return earliest(t);
  }

  private static long earliest(State t) {
    t.lock.lock();
    try {
      long e = State.OFF;
      for (long d :
          new long[] {
            t.retransmitHandshake,
            t.sendKeepalive,
            t.newHandshake,
            t.zeroKeyMaterial,
            t.persistentKeepalive
          }) {
        if (d != State.OFF && (e == State.OFF || d - e < 0)) {
          e = d;
        }
      }
      return e;
    } finally {
      t.lock.unlock();
    }
  }

  /** The timer thread: fires expired timers and sleeps until the next deadline (at most 1 s). */
  static void loop(Device d) {
    while (!d.closed) {
      long next = d.pollTimers();
      long now = d.clock.nanoTime();
      long wait =
          next == State.OFF ? 1_000_000_000L : Math.min(1_000_000_000L, Math.max(0, next - now));
      d.timerWakeNanos = now + wait;
      if (wait > 0) {
        LockSupport.parkNanos(d, wait);
      }
      d.timerWakeNanos = Device.NOT_SLEEPING;
      if (Thread.interrupted() && d.closed) {
        break;
      }
    }
  }
}
