/**
 * The {@link io.weft.wg.conn.Bind} seam (datagrams to opaque endpoints) and its plain UDP
 * implementation on {@link java.nio.channels.DatagramChannel}, for IPv4 and IPv6.
 * {@link io.weft.wg.conn.Binds#defaultBind()} picks the batched Linux bind
 * ({@link io.weft.wg.conn.linux}) where it works.
 */
package io.weft.wg.conn;
