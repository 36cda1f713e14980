package io.weft.control.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The packet filter on the wire: Tailscale's field names exactly, an empty {@code IPProto} omitted,
 * a full map without a filter (an older server) read as null, a delta without one as "unchanged",
 * and an empty list kept as "deny all".
 */
class FilterRuleJsonTest {
  static final FilterRule SSH =
      new FilterRule(
          List.of("100.64.0.0/10", "*"),
          List.of(new FilterRule.NetPortRange("100.64.0.1", new FilterRule.PortRange(22, 22))),
          List.of(6));

  @Test
  void shouldUseTailscalesFieldNames() throws Exception {
    String json = MessageCodec.JSON.writeValueAsString(SSH);
    assertThat(json)
        .isEqualTo(
            "{\"SrcIPs\":[\"100.64.0.0/10\",\"*\"],\"DstPorts\":[{\"IP\":\"100.64.0.1\","
                + "\"Ports\":{\"First\":22,\"Last\":22}}],\"IPProto\":[6]}");
    assertThat(MessageCodec.JSON.readValue(json, FilterRule.class)).isEqualTo(SSH);
    assertThat(MessageCodec.JSON.writeValueAsString(FilterRule.ALLOW_ALL.getFirst()))
        .isEqualTo(
            "{\"SrcIPs\":[\"*\"],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":0,\"Last\":65535}}]}");
    // As Tailscale's control sends it, with its deprecated and capability fields ignored.
    FilterRule ts =
        MessageCodec.JSON.readValue(
            "{\"SrcIPs\":[\"100.64.0.2\"],\"SrcBits\":null,"
                + "\"DstPorts\":[{\"IP\":\"*\",\"Bits\":null,\"Ports\":{\"First\":0,\"Last\":65535}}],\"CapGrant\":null}",
            FilterRule.class);
    assertThat(ts.ipProto()).isEmpty();
    assertThat(ts.dstPorts().getFirst().ports()).isEqualTo(FilterRule.PortRange.ANY);
  }

  @Test
  void shouldCarryTheFilterInMapsAndKeepItAcrossDeltasThatOmitIt() throws Exception {
    NetMap map = new NetMap();
    map.apply(
        (Message.MapMessage)
            MessageCodec.decode(
                "{\"type\":\"map-full\",\"seq\":1,\"epoch\":\"e\",\"version\":1,\"peers\":[]}"
                    .getBytes(StandardCharsets.UTF_8)));
    assertThat(map.packetFilter()).as("an older server's map").isNull();

    Message full = new Message.FullMap(1, "e", 2, "d", null, List.of(), List.of(SSH));
    map.apply((Message.MapMessage) MessageCodec.decode(MessageCodec.encode(full)));
    assertThat(map.packetFilter()).containsExactly(SSH);
    map.apply(
        (Message.MapMessage)
            MessageCodec.decode(
                MessageCodec.encode(new Message.MapDelta(2, 3, null, null, null, null))));
    assertThat(map.copy().packetFilter())
        .as("a delta without a filter leaves it")
        .containsExactly(SSH);
    map.apply(
        (Message.MapMessage)
            MessageCodec.decode(
                MessageCodec.encode(
                    new Message.MapDelta(3, 4, null, null, null, null, List.of()))));
    assertThat(map.packetFilter()).as("an empty filter: deny all").isEmpty();
  }
}
