/**
 * Injectable time: a monotonic clock for timers and rate limits, and a wall clock for the TAI64N
 * timestamp of handshake initiations (WireGuard paper, section 5.1).
 *
 * <p>Everything in Weft that reads time takes it from a {@link io.weft.wg.time.NanoClock} or as a
 * {@code nowNanos} argument, so timers, rate limits and the TCP state machine are tested by
 * advancing a {@link io.weft.wg.time.ManualClock} instead of sleeping. wireguard-go reaches the
 * same end with the package-level {@code timeNow} hook that its ratelimiter tests replace.
 */
package io.weft.wg.time;
