/**
 * The {@link io.weft.wg.conn.Bind} seam (datagrams to opaque endpoints) and its plain UDP
 * implementation on {@link java.nio.channels.DatagramChannel}, for IPv4 and IPv6.
 */
package io.weft.wg.conn;
