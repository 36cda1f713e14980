/**
 * DERP v2 wire format: {@link io.weft.derp.wire.Frame} (flyweight), {@link
 * io.weft.derp.wire.Frames} (emitters), {@link io.weft.derp.wire.FrameDecoder} (bounded stream
 * splitter that never throws), {@link io.weft.derp.wire.Info} (ClientInfo/ServerInfo JSON) and
 * {@link io.weft.derp.wire.NaclBox}. Sources: tailscale.com v1.102.5 {@code derp/derp.go}:28-301,
 * {@code derp/derp_client.go}:136-227 and 526, {@code derp/derpserver/derpserver.go}:1191-1210,
 * 1731-1762, 2122; {@code types/key/node.go}:136-157; D. J. Bernstein, "Cryptography in NaCl", §8
 * (HSalsa20), §10 (the box test).
 */
package io.weft.derp.wire;
