package io.weft.derp;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The relay map in the shape of Tailscale's {@code tailcfg.DERPMap} (tailcfg/derpmap.go at
 * v1.102.3): regions by ID, each with its nodes and their DERP and STUN ports. JSON field names
 * and {@code omitempty} are Go's, so a map written here is read by tailscaled and derpprobe and a
 * map from a Tailscale coordination server reads here.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
@JsonIgnoreProperties(ignoreUnknown = true)
public record RelayMap(
    @JsonProperty("Regions") Map<Integer, Region> regions,
    @JsonProperty("omitDefaultRegions") boolean omitDefaultRegions) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public RelayMap {
    regions = regions == null ? Map.of() : new TreeMap<>(regions);
  }

  /** One region: relays that mesh with each other. */
  @JsonInclude(JsonInclude.Include.NON_DEFAULT)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Region(
      @JsonProperty("RegionID") @JsonInclude(JsonInclude.Include.ALWAYS) int regionId,
      @JsonProperty("RegionCode") @JsonInclude(JsonInclude.Include.ALWAYS) String regionCode,
      @JsonProperty("RegionName") @JsonInclude(JsonInclude.Include.ALWAYS) String regionName,
      @JsonProperty("Latitude") double latitude,
      @JsonProperty("Longitude") double longitude,
      @JsonProperty("Avoid") boolean avoid,
      @JsonProperty("NoMeasureNoHome") boolean noMeasureNoHome,
      @JsonProperty("Nodes") @JsonInclude(JsonInclude.Include.ALWAYS) List<Node> nodes) {
    public Region {
      nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }

    public Region(int regionId, String regionCode, String regionName, List<Node> nodes) {
      this(regionId, regionCode, regionName, 0, 0, false, false, nodes);
    }
  }

  /**
   * One relay. {@code stunPort} 0 means 3478 and -1 none; {@code derpPort} 0 means 443.
   */
  @JsonInclude(JsonInclude.Include.NON_DEFAULT)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Node(
      @JsonProperty("Name") @JsonInclude(JsonInclude.Include.ALWAYS) String name,
      @JsonProperty("RegionID") @JsonInclude(JsonInclude.Include.ALWAYS) int regionId,
      @JsonProperty("HostName") @JsonInclude(JsonInclude.Include.ALWAYS) String hostName,
      @JsonProperty("CertName") String certName,
      @JsonProperty("IPv4") String ipv4,
      @JsonProperty("IPv6") String ipv6,
      @JsonProperty("STUNPort") int stunPort,
      @JsonProperty("STUNOnly") boolean stunOnly,
      @JsonProperty("DERPPort") int derpPort,
      @JsonProperty("InsecureForTests") boolean insecureForTests,
      @JsonProperty("STUNTestIP") String stunTestIp,
      @JsonProperty("CanPort80") boolean canPort80) {}

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses a DERPMap JSON document; throws {@link IOException} on malformed input. */
  public static RelayMap fromJson(String json) throws IOException {
    return JSON.readValue(json, RelayMap.class);
  }
}
