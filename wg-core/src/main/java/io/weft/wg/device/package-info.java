/**
 * The WireGuard device (the paper's §3–§6; wireguard-go's {@code device/}), split by flow: {@link
 * io.weft.wg.device.Device} (configuration, lifecycle), {@link io.weft.wg.device.SendLoop} and
 * {@link io.weft.wg.device.Peer} (the send flow: routing, staging, sealing, handshake initiation),
 * {@link io.weft.wg.device.ReceiveLoop} and {@link io.weft.wg.device.Receive} (the receive flow,
 * one loop per bind source), {@link io.weft.wg.device.Handshakes} (the handshake flow: MACs,
 * cookies under load, rate limiting, responses), {@link io.weft.wg.device.Timers} (the paper's §6.1
 * timers), {@link io.weft.wg.device.Keypair} and {@link io.weft.wg.device.IndexTable} (sessions by
 * receiver index), {@link io.weft.wg.device.CryptoPool} and {@link io.weft.wg.device.CipherSlots}
 * (parallel sealing and opening), {@link io.weft.wg.device.Constants} (the paper's constants, then
 * ours).
 */
package io.weft.wg.device;
