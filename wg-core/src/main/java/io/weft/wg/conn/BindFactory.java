package io.weft.wg.conn;

import io.weft.wg.key.DiscoPrivateKey;
import io.weft.wg.key.DiscoPublicKey;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * Builds the node's {@link Bind} once its keys are known: a mesh bind needs the node key (to name
 * itself to relays), the disco key (path discovery) and the relay map, and reports its local
 * endpoints as it learns them (STUN, port mapping); a plain UDP bind ignores all of it.
 */
@FunctionalInterface
public interface BindFactory {

  /**
   * A bind for the node with {@code keys}, using {@code relays}, telling {@code listener} when its
   * local endpoints change. The bind is not yet open.
   */
  Bind create(NodeKeys keys, RelayMap relays, EndpointListener listener) throws IOException;

  /** The platform's best plain UDP bind ({@link Binds#defaultBind()}). */
  static BindFactory plainUdp() {
    return (keys, relays, listener) -> Binds.defaultBind();
  }

  /**
   * The keys a bind may use. The private keys stay owned by the node (which zeroes them); a bind
   * must not keep copies beyond its own lifetime.
   */
  record NodeKeys(
      NoisePrivateKey nodePrivate,
      NoisePublicKey nodePublic,
      DiscoPrivateKey discoPrivate,
      DiscoPublicKey discoPublic) {
    public NodeKeys {
      Objects.requireNonNull(nodePrivate, "nodePrivate");
      Objects.requireNonNull(nodePublic, "nodePublic");
      Objects.requireNonNull(discoPrivate, "discoPrivate");
      Objects.requireNonNull(discoPublic, "discoPublic");
    }

    /** Public keys only. */
    @Override
    public String toString() {
      return "NodeKeys[node=" + nodePublic + ", disco=" + discoPublic + "]";
    }
  }

  /** Told of the bind's local endpoints (addresses peers may reach it at) when they change. */
  @FunctionalInterface
  interface EndpointListener {
    /** {@code endpoints} replaces the previous list; called on the bind's thread, keep it short. */
    void localEndpointsChanged(List<InetSocketAddress> endpoints);

    /** A listener that ignores every change. */
    EndpointListener NONE = endpoints -> {};
  }
}
