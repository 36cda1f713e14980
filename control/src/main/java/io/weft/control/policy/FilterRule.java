package io.weft.control.policy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One packet filter rule in the JSON shape of Tailscale's {@code tailcfg.FilterRule}: sources
 * ({@code "100.64.0.1"}, a CIDR, an {@code a-b} range or {@code "*"}), destinations with port
 * ranges, and protocol numbers ({@code IPProto} omitted when empty, which a client reads as TCP,
 * UDP, ICMP and ICMPv6).
 */
public record FilterRule(
    @JsonProperty("SrcIPs") List<String> srcIps,
    @JsonProperty("DstPorts") List<NetPortRange> dstPorts,
    @JsonProperty("IPProto") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Integer> ipProto) {

  /** {@code tailcfg.NetPortRange}: a destination IP, CIDR or {@code "*"} and its ports. */
  public record NetPortRange(@JsonProperty("IP") String ip, @JsonProperty("Ports") Ports ports) {}

  /** {@code tailcfg.PortRange}: inclusive. */
  public record Ports(@JsonProperty("First") int first, @JsonProperty("Last") int last) {}
}
