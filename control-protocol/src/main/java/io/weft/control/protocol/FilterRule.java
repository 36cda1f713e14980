package io.weft.control.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One packet filter rule, in the JSON shape of Tailscale's {@code tailcfg.FilterRule}
 * (tailcfg/tailcfg.go:1699, commit de9ec7ee2), so the server's policy compiler emits what a
 * Tailscale client reads too. Rules only allow: a packet is admitted when its source is in {@code
 * SrcIPs}, its destination address and port in one {@code DstPorts} entry and its protocol in
 * {@code IPProto}.
 *
 * <pre>{@code
 * {"SrcIPs":["100.64.0.0/10"],
 *  "DstPorts":[{"IP":"100.64.0.1","Ports":{"First":22,"Last":22}}],
 *  "IPProto":[6]}
 * }</pre>
 *
 * <ul>
 *   <li>Address forms (the same in {@code SrcIPs} and {@code DstPorts[].IP}): {@code "*"} (every
 *       IPv4 and IPv6 address), an IP, a CIDR without host bits, or an inclusive range {@code
 *       "a-b"}. {@code "cap:..."} sources are Tailscale's and match nothing here.
 *   <li>{@code IPProto}: IANA protocol numbers; empty or absent means TCP, UDP, ICMP and ICMPv6
 *       (wgengine/filter/tailcfg.go:21); numbers outside 0-255 are ignored.
 *   <li>{@code Ports}: inclusive, 0-65535 is "any port".
 * </ul>
 *
 * <p>Tailscale's deprecated {@code SrcBits}/{@code Bits} and its {@code CapGrant} are not modelled
 * (unknown fields are ignored).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record FilterRule(
    @JsonProperty("SrcIPs") List<String> srcIps,
    @JsonProperty("DstPorts") List<NetPortRange> dstPorts,
    @JsonProperty("IPProto") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Integer> ipProto) {

  /** IANA numbers of the protocols an empty {@code IPProto} stands for: TCP, UDP, ICMP, ICMPv6. */
  public static final List<Integer> DEFAULT_PROTOCOLS = List.of(6, 17, 1, 58);

  public FilterRule {
    srcIps = srcIps == null ? List.of() : List.copyOf(srcIps);
    dstPorts = dstPorts == null ? List.of() : List.copyOf(dstPorts);
    ipProto = ipProto == null ? List.of() : List.copyOf(ipProto);
  }

  /** Every source to every destination and port, default protocols (Tailscale's allow-all). */
  public static final List<FilterRule> ALLOW_ALL =
      List.of(new FilterRule(List.of("*"), List.of(new NetPortRange("*", PortRange.ANY)), null));

  /** {@code tailcfg.NetPortRange} (tailcfg.go:1553): a destination address form and its ports. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record NetPortRange(
      @JsonProperty("IP") String ip, @JsonProperty("Ports") PortRange ports) {
    public NetPortRange {
      ports = ports == null ? PortRange.ANY : ports;
    }
  }

  /** {@code tailcfg.PortRange} (tailcfg.go:1531): ports {@code First} to {@code Last} inclusive. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record PortRange(@JsonProperty("First") int first, @JsonProperty("Last") int last) {
    /** Every port. */
    public static final PortRange ANY = new PortRange(0, 65535);
  }
}
