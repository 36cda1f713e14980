/**
 * The STUN codec (RFC 8489), the one copy Weft has: the relay's STUN server answers with it and
 * magicsock's STUN client asks with it. Only Binding is supported: request, success response with
 * XOR-MAPPED-ADDRESS (§14.2; also the pre-RFC 0x8020 some servers send) and MAPPED-ADDRESS (§14.1)
 * as a fallback, as Tailscale's client reads it ({@code net/stun/stun.go:195-250}: XOR-MAPPED wins,
 * MAPPED-ADDRESS is the fallback; {@code :306-310} the test for "is STUN": top two bits of the
 * first byte zero, magic cookie {@code 21 12 a4 42} at byte 4). Parsers return null on anything
 * else and never throw.
 */
package io.weft.derp.stun;
