/**
 * The WireGuard handshake (paper §5.4, "Messages"): {@link io.weft.wg.noise.Noise} implements
 * Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s with WireGuard's identifier strings, TAI64N replay
 * protection and the 20 ms per-peer flood limit; {@link io.weft.wg.noise.CookieChecker} and {@link
 * io.weft.wg.noise.CookieGenerator} implement mac1, mac2 and cookie replies (§5.3, §5.4.7). The
 * reference for details not in the paper is wireguard-go's {@code noise-protocol.go} and {@code
 * cookie.go}. {@link io.weft.wg.noise.SymmetricState} holds the Noise SymmetricState primitives
 * (MixHash, MixKey, Split; Noise rev. 34 §5.2), shared with the control channel's {@code Noise_IK}
 * in control-protocol.
 *
 * <h2>Crossing handshakes</h2>
 *
 * <p>When two peers initiate at the same moment (in a mesh: both learn of each other from one map
 * update and both have traffic), each consumes the other's initiation before the response to its
 * own arrives. wireguard-go keeps one handshake state per peer: consuming an initiation overwrites
 * the pending initiation's hash and chaining key and moves the state to {@code
 * handshakeInitiationConsumed}, creating the response frees the pending initiation's index, and
 * {@code ConsumeMessageResponse} only accepts a response in {@code handshakeInitiationCreated}. So
 * both responses are refused, each side holds only an unconfirmed responder keypair in {@code
 * next}, neither may send under it, and nothing moves until the REKEY_TIMEOUT (5 s) retry.
 *
 * <p>A {@link io.weft.wg.noise.Handshake} here keeps the two roles apart: our pending initiation
 * (ephemeral, hash, chaining key, sender index, creation time) and the responder's state for an
 * initiation we consumed. A response is accepted when its receiver index is our pending
 * initiation's sender index and it arrives within REKEY_TIMEOUT of creating it, whatever the
 * responder's state is. Nothing on the wire changes: each role computes exactly the messages and
 * keys of an ordinary handshake. Both handshakes then complete, each side sends on the session it
 * initiated (current), and opens what the peer sends on the other (kept as previous).
 *
 * <p>Why this keeps Noise_IKpsk2's guarantees:
 *
 * <ul>
 *   <li><b>Independence.</b> The two handshakes share no ephemeral, hash or chaining key; each is
 *       one complete IKpsk2 run between the same static keys. The response is checked against our
 *       initiation's own transcript (its AEAD of the empty payload must verify under keys from
 *       {@code e}, {@code ee}, {@code se} and the PSK), just as without a crossing initiation, so
 *       consuming the peer's initiation gives an attacker nothing to work with.
 *   <li><b>Key confirmation.</b> The initiator's keys are confirmed by the response: only the
 *       holder of the peer's static key (and the PSK) could have produced it for our ephemeral, so
 *       the initiator may send at once (§5.4.5–§5.4.6). The responder's keys are not confirmed
 *       until the first transport message under them arrives, so a responder must not send under
 *       them before that (§5.4.6; wireguard-go: {@code next} until {@code ReceivedWithKeypair}).
 *       After a crossing each side sends only under its initiator session, never under the
 *       unconfirmed responder keypair; it only opens packets with that one, and a packet that opens
 *       proves its sender derived the same keys.
 *   <li><b>Replay.</b> The pending initiation is one-shot: deriving the session zeroes it (and the
 *       index is then the session's, so the device refuses a second response before Noise sees it),
 *       an expired one is zeroed on the next response, and a new initiation replaces it. A replayed
 *       response finds no pending initiation and is refused. Replayed initiations are still refused
 *       by the TAI64N timestamp and flood checks, which this change does not touch. The ephemeral
 *       is zeroed as soon as the response is consumed, as before.
 *   <li><b>Index reuse.</b> The pending initiation's index stays reserved in the device's index
 *       table while it is pending (the device no longer frees it when answering the peer's
 *       initiation); the responder takes a fresh index. The index is freed only when a new
 *       initiation replaces it or the key material is zeroed, or passes to the session. So a
 *       response can only name an index that still means "this peer's pending initiation".
 *   <li><b>Time bound.</b> A pending initiation lives at most REKEY_TIMEOUT, the time after which
 *       the device retries anyway; a later response is refused and the state zeroed.
 * </ul>
 *
 * <p><b>Keypair slots</b> (wireguard-go {@code BeginSymmetricSession}, kept unchanged in {@code
 * Keypairs.install} of the device): a responder keypair goes to {@code next} (replacing and
 * deleting an older unconfirmed {@code next}) and drops {@code previous}; it becomes current on the
 * first packet under it. An initiator keypair becomes current at once; if {@code next} holds an
 * unconfirmed responder keypair (the crossing case), that one moves to previous and the old current
 * is deleted, otherwise the old current moves to previous. So after a crossing: current = our
 * initiator session, previous = the peer's (still found by its index, so the peer's packets under
 * it open), next = none. Packets the peer still had in flight under a deleted old current are lost,
 * as in wireguard-go.
 *
 * <p><b>Mixed case</b>, Weft and wireguard-go crossing: wireguard-go refuses our response (its
 * pending initiation is gone), we accept its response, install our initiator session as current and
 * send on it; wireguard-go holds that session as its unconfirmed {@code next}, confirms it on our
 * first packet and makes it current. Both directions then use our initiator session.
 */
package io.weft.wg.noise;
