package io.weft.wg.conn;

import java.util.List;

/**
 * The relays a mesh bind may use, by region (Tailscale's {@code DERPMap}, reduced to what a bind
 * needs to pick a home relay). A value: a new map replaces the old one.
 *
 * @param regions the regions, in the server's order
 */
public record RelayMap(List<Region> regions) {
  /** No relays: direct paths only. */
  public static final RelayMap EMPTY = new RelayMap(List.of());

  public RelayMap {
    regions = regions == null ? List.of() : List.copyOf(regions);
  }

  /**
   * One region: relays that mesh with each other, any of which serves the region's clients.
   *
   * @param id the region id peers name as their home relay
   * @param code a short name ({@code fra})
   */
  public record Region(int id, String code, List<Relay> relays) {
    public Region {
      relays = relays == null ? List.of() : List.copyOf(relays);
    }
  }

  /**
   * One relay server.
   *
   * @param hostName where its HTTPS (relay) and STUN listeners are
   * @param relayPort TCP port of the relay protocol
   * @param stunPort UDP port of its STUN server, 0 for none
   */
  public record Relay(String name, String hostName, int relayPort, int stunPort) {}
}
