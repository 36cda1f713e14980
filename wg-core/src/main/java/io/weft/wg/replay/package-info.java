/**
 * The receive-side anti-replay filter for transport data counters.
 *
 * <p>The WireGuard paper (section 5.4.6, transport data messages) has the receiver track the 64-bit
 * counter nonces it accepted with a sliding window as in RFC 6479, "IPsec Anti-Replay Algorithm
 * without Bit Shifting": the window is a ring of 64-bit blocks, and moving it forward zeroes whole
 * blocks instead of shifting a bitmap. {@link io.weft.wg.replay.ReplayWindow} has the geometry of
 * wireguard-go's {@code replay/replay.go} (128 blocks of 64 bits, of which one is the slack RFC
 * 6479 needs, leaving a window of 8,128 counters) so both sides agree on which late packets still
 * count. Its tests replay the sequence of wireguard-go's {@code replay_test.go}, itself taken from
 * the Linux implementation's self-test.
 */
package io.weft.wg.replay;
