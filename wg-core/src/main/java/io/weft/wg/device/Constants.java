package io.weft.wg.device;

/** WireGuard's timing and counting constants. */
public final class Constants {
  private Constants() {}

  // Specification constants (paper §6.1, "Timers & Stateless UX"; names as in the paper).

  /** Send a new handshake after this many messages with one key. */
  public static final long REKEY_AFTER_MESSAGES = 1L << 60;

  /** Never send or accept a message with a counter at or above this (2^64 - 2^13 - 1, unsigned). */
  public static final long REJECT_AFTER_MESSAGES = 0xFFFF_FFFF_FFFF_DFFFL;

  /** The initiator starts a new handshake when its current key is this old. */
  public static final long REKEY_AFTER_TIME_NANOS = 120_000_000_000L;

  /** No key is used once this old. */
  public static final long REJECT_AFTER_TIME_NANOS = 180_000_000_000L;

  /** Give up retrying a handshake after this long. */
  public static final long REKEY_ATTEMPT_TIME_NANOS = 90_000_000_000L;

  /** Retry an unanswered handshake initiation after this long (plus jitter). */
  public static final long REKEY_TIMEOUT_NANOS = io.weft.wg.noise.Noise.REKEY_TIMEOUT_NANOS;

  /** Send a keepalive when we received data but sent nothing for this long. */
  public static final long KEEPALIVE_TIMEOUT_NANOS = 10_000_000_000L;

  // Implementation constants (wireguard-go constants.go).

  /** Handshake attempts before giving up: REKEY_ATTEMPT_TIME / REKEY_TIMEOUT. */
  public static final int MAX_TIMER_HANDSHAKES = 18;

  /** Largest random extra delay added to handshake retries. */
  public static final long REKEY_TIMEOUT_JITTER_MAX_NANOS = 334_000_000L;

  /** Packets kept per peer while a handshake completes. */
  public static final int MAX_STAGED_PACKETS = 128;

  /** Handshake messages waiting to be processed. */
  public static final int HANDSHAKE_QUEUE_SIZE = 1024;

  /** Above this many waiting handshake messages the device is under load and demands cookies. */
  public static final int UNDER_LOAD_QUEUE_LENGTH = HANDSHAKE_QUEUE_SIZE / 8;

  /** The device counts as under load for this long after the queue was last long. */
  public static final long UNDER_LOAD_AFTER_NANOS = 1_000_000_000L;

  /** Default MTU of a WireGuard interface. */
  public static final int DEFAULT_MTU = 1420;

  /** Largest datagram handled. */
  public static final int MAX_MESSAGE_SIZE = (1 << 16) - 1;

  /** Largest IP packet handled. */
  public static final int MAX_CONTENT_SIZE = MAX_MESSAGE_SIZE - 16 - 16;
}
