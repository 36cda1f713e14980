package io.weft.wg.conn;

import io.weft.wg.key.DiscoPublicKey;
import io.weft.wg.key.NoisePublicKey;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * Everything the network map says about how to reach one peer, handed whole to the {@link Bind}
 * ({@link Bind#endpointFor}, {@link Bind#setPeers}) so that path choice is the bind's: a plain UDP
 * bind takes the first candidate, a mesh bind probes them all and falls back to the home relay.
 *
 * @param nodeKey the peer's WireGuard key
 * @param discoKey its disco key, or null when it has none (no path discovery)
 * @param candidates the socket addresses it reported, in its order of preference
 * @param homeRelay the relay region it is reachable through, 0 for none
 */
public record PeerPaths(
    NoisePublicKey nodeKey,
    DiscoPublicKey discoKey,
    List<InetSocketAddress> candidates,
    int homeRelay) {
  public PeerPaths {
    Objects.requireNonNull(nodeKey, "nodeKey");
    candidates = candidates == null ? List.of() : List.copyOf(candidates);
  }
}
