/**
 * magicsock's STUN client: asks a STUN server where this node's socket is seen from outside. The
 * codec is derp's {@link io.weft.derp.stun.Stun} (one copy, shared with the relay's STUN server).
 * The client either owns a socket ({@link StunClient#query}) or rides on magicsock's socket, which
 * hands it every datagram that looks like STUN ({@link StunClient#offer}).
 */
package io.weft.magicsock.stun;
