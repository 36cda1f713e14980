/**
 * Cryptokey routing: the allowed-IPs table that maps addresses to peers.
 *
 * <p>The WireGuard paper (section 3, cryptokey routing) gives each peer a set of allowed source
 * prefixes and uses the same table both ways: the longest matching prefix of a destination picks
 * the peer to send to, and a decrypted packet is accepted only if the longest match for its source
 * is the peer that sent it. {@link io.weft.wg.allowedips.AllowedIps} keeps, like wireguard-go's
 * {@code device/allowedips.go} and the Linux {@code allowedips.c}, one path-compressed binary trie
 * per family, in which nodes that carry no peer only join two subtrees.
 *
 * <p>Concurrency: lookups run on every data-path thread for every packet, while updates come from
 * the UAPI or the control plane a few times a minute. wireguard-go guards a mutable trie with a
 * read-write mutex and Linux uses RCU. Here the nodes are immutable and each family's root is a
 * volatile field: an update copies the nodes on the path from the root to the change (at most 33
 * for IPv4, 129 for IPv6), shares the rest, and publishes the new root with one volatile write. A
 * lookup is one volatile read followed by a walk of final fields: no lock, no retry, no allocation,
 * and it sees one consistent version of the table. The garbage collector plays the part of RCU's
 * grace period for the replaced nodes. A read lock was rejected because acquiring one writes shared
 * state (the reader count) on every packet, which makes the data-path threads contend for one cache
 * line; a {@link java.util.concurrent.locks.StampedLock} optimistic read avoids the write but must
 * validate and retry around reads of mutable nodes. Updates are serialized by a lock, which also
 * guards the per-peer index that answers {@code prefixesOf}.
 */
package io.weft.wg.allowedips;
