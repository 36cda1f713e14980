/**
 * The WireGuard protocol engine: crypto, wire formats, Noise_IKpsk2, sessions, timers, routing, the
 * device.
 */
package io.weft.wg;
