package io.weft.wg.conn;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The relays a mesh bind may use, by region: Weft's one relay-map type, in JSON the shape of
 * Tailscale's {@code tailcfg.DERPMap} (tailcfg/derpmap.go at v1.102.3: {@code Regions} by ID, each
 * {@code RegionID}, {@code RegionCode}, {@code RegionName}, {@code Avoid}, {@code Nodes}; each node
 * {@code Name}, {@code RegionID}, {@code HostName}, {@code IPv4}, {@code IPv6}, {@code STUNPort},
 * {@code DERPPort}, {@code InsecureForTests}), so a map written here is read by tailscaled and
 * derpprobe and a DERPMap file reads here. Only annotations live here (wg-core has no JSON
 * library); the control protocol and the relay serialise it with their Jackson mapper. A value: a
 * new map replaces the old one.
 *
 * @param regions the regions, in the server's order (the first is the default home region)
 */
@JsonAutoDetect(
    fieldVisibility = Visibility.NONE,
    getterVisibility = Visibility.NONE,
    isGetterVisibility = Visibility.NONE,
    creatorVisibility = Visibility.NONE)
@JsonIgnoreProperties(ignoreUnknown = true)
public record RelayMap(List<Region> regions) {
  /** No relays: direct paths only. */
  public static final RelayMap EMPTY = new RelayMap(List.of());

  public RelayMap {
    regions = regions == null ? List.of() : List.copyOf(regions);
  }

  @JsonCreator
  static RelayMap fromJson(@JsonProperty("Regions") Map<String, Region> regions) {
    return new RelayMap(regions == null ? List.of() : new ArrayList<>(regions.values()));
  }

  /** {@code Regions}: the regions keyed by their ID, as Go writes a {@code map[int]}. */
  @JsonProperty("Regions")
  Map<String, Region> regionsById() {
    Map<String, Region> m = new LinkedHashMap<>();
    for (Region r : regions) {
      m.put(Integer.toString(r.id()), r);
    }
    return m;
  }

  /**
   * One region: relays that mesh with each other, any of which serves the region's clients.
   *
   * @param id the region id peers name as their home relay ({@code RegionID})
   * @param code a short name ({@code RegionCode}, {@code fra})
   * @param name a long name ({@code RegionName})
   * @param avoid clients should not pick it as home unless already there ({@code Avoid})
   * @param relays the region's relays ({@code Nodes}); a relay without a region ID gets this one
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_DEFAULT)
  public record Region(
      @JsonProperty("RegionID") @JsonInclude(JsonInclude.Include.ALWAYS) int id,
      @JsonProperty("RegionCode") @JsonInclude(JsonInclude.Include.ALWAYS) String code,
      @JsonProperty("RegionName") @JsonInclude(JsonInclude.Include.ALWAYS) String name,
      @JsonProperty("Avoid") boolean avoid,
      @JsonProperty("Nodes") @JsonInclude(JsonInclude.Include.ALWAYS) List<Relay> relays) {
    @JsonCreator
    public Region {
      code = code == null ? "" : code;
      name = name == null ? "" : name;
      List<Relay> rs = new ArrayList<>();
      for (Relay r : relays == null ? List.<Relay>of() : relays) {
        rs.add(r != null && r.regionId() == 0 ? r.inRegion(id) : r);
      }
      relays = List.copyOf(rs);
    }

    public Region(int id, String code, List<Relay> relays) {
      this(id, code, code, false, relays);
    }
  }

  /**
   * One relay server. In JSON, {@code DERPPort} 0 means 443 and {@code STUNPort} 0 means 3478 and
   * -1 none (Go's rules); here the ports are explicit, {@code stunPort} 0 meaning none.
   *
   * @param name its unique name ({@code Name}, {@code 1a})
   * @param regionId its region ({@code RegionID})
   * @param hostName where its HTTPS (relay) and STUN listeners are ({@code HostName})
   * @param ipv4 an address to use instead of resolving the host name, or null ({@code IPv4})
   * @param ipv6 likewise for IPv6, or null ({@code IPv6})
   * @param relayPort TCP port of the relay protocol
   * @param stunPort UDP port of its STUN server, 0 for none
   * @param insecureForTests plain HTTP / unverified TLS, loopback tests only ({@code
   *     InsecureForTests})
   */
  @JsonAutoDetect(
      fieldVisibility = Visibility.NONE,
      getterVisibility = Visibility.NONE,
      isGetterVisibility = Visibility.NONE,
      creatorVisibility = Visibility.NONE)
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_DEFAULT)
  public record Relay(
      @JsonProperty("Name") @JsonInclude(JsonInclude.Include.ALWAYS) String name,
      @JsonProperty("RegionID") @JsonInclude(JsonInclude.Include.ALWAYS) int regionId,
      @JsonProperty("HostName") @JsonInclude(JsonInclude.Include.ALWAYS) String hostName,
      @JsonProperty("IPv4") String ipv4,
      @JsonProperty("IPv6") String ipv6,
      int relayPort,
      int stunPort,
      @JsonProperty("InsecureForTests") boolean insecureForTests) {
    public Relay(String name, String hostName, int relayPort, int stunPort) {
      this(name, 0, hostName, null, null, relayPort, stunPort, false);
    }

    @JsonCreator
    static Relay fromJson(
        @JsonProperty("Name") String name,
        @JsonProperty("RegionID") int regionId,
        @JsonProperty("HostName") String hostName,
        @JsonProperty("IPv4") String ipv4,
        @JsonProperty("IPv6") String ipv6,
        @JsonProperty("DERPPort") int derpPort,
        @JsonProperty("STUNPort") int stunPort,
        @JsonProperty("InsecureForTests") boolean insecureForTests) {
      return new Relay(
          name,
          regionId,
          hostName,
          ipv4,
          ipv6,
          derpPort == 0 ? 443 : derpPort,
          stunPort == 0 ? 3478 : stunPort < 0 ? 0 : stunPort,
          insecureForTests);
    }

    /** {@code DERPPort} as Go writes it. */
    @JsonProperty("DERPPort")
    @JsonInclude(JsonInclude.Include.ALWAYS)
    int derpPortJson() {
      return relayPort;
    }

    /** {@code STUNPort} as Go reads it: -1 for none. */
    @JsonProperty("STUNPort")
    @JsonInclude(JsonInclude.Include.ALWAYS)
    int stunPortJson() {
      return stunPort == 0 ? -1 : stunPort;
    }

    Relay inRegion(int id) {
      return new Relay(name, id, hostName, ipv4, ipv6, relayPort, stunPort, insecureForTests);
    }
  }
}
