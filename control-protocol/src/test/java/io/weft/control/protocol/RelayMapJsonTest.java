package io.weft.control.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weft.wg.conn.RelayMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The relay map travels in full maps in Tailscale's DERPMap JSON shape. */
class RelayMapJsonTest {
  static final RelayMap MAP =
      new RelayMap(
          List.of(
              new RelayMap.Region(
                  900, "weft", List.of(new RelayMap.Relay("900a", "127.0.0.1", 3340, 3478)))));

  @Test
  void shouldWriteTailscaleFieldNamesInTheFullMap() throws Exception {
    byte[] wire =
        MessageCodec.encode(new Message.FullMap(1, "e", 2, "d", null, List.of(), null, MAP));
    JsonNode m = MessageCodec.JSON.readTree(wire).get("relayMap");
    JsonNode region = m.get("Regions").get("900");
    assertThat(region.get("RegionID").asInt()).isEqualTo(900);
    assertThat(region.get("RegionCode").asText()).isEqualTo("weft");
    assertThat(region.has("RegionName")).isTrue();
    JsonNode node = region.get("Nodes").get(0);
    assertThat(node.get("Name").asText()).isEqualTo("900a");
    assertThat(node.get("RegionID").asInt()).isEqualTo(900);
    assertThat(node.get("HostName").asText()).isEqualTo("127.0.0.1");
    assertThat(node.get("DERPPort").asInt()).isEqualTo(3340);
    assertThat(node.get("STUNPort").asInt()).isEqualTo(3478);
    assertThat(node.has("relayPort")).isFalse();
    assertThat(node.has("stunPort")).isFalse();

    Message.FullMap back = (Message.FullMap) MessageCodec.decode(wire);
    assertThat(back.relayMap()).isEqualTo(MAP);
    NetMap nm = new NetMap();
    nm.apply(back);
    assertThat(nm.relayMap()).isEqualTo(MAP);
    nm.apply(new Message.MapDelta(2, 3, null, null, null, null));
    assertThat(nm.relayMap()).as("null in a delta = unchanged").isEqualTo(MAP);
  }

  @Test
  void shouldReadGoDefaultsOfADerpMap() throws Exception {
    RelayMap m =
        MessageCodec.JSON.readValue(
            """
        {"Regions":{"1":{"RegionID":1,"RegionCode":"r1","RegionName":"One","Nodes":[
          {"Name":"1a","RegionID":1,"HostName":"derp.example"},
          {"Name":"1b","RegionID":1,"HostName":"derp2.example","STUNPort":-1,"DERPPort":8443}]}},
         "omitDefaultRegions":true}""",
            RelayMap.class);
    RelayMap.Region r = m.regions().getFirst();
    assertThat(r.id()).isEqualTo(1);
    assertThat(r.name()).isEqualTo("One");
    assertThat(r.relays().get(0).relayPort()).isEqualTo(443);
    assertThat(r.relays().get(0).stunPort()).isEqualTo(3478);
    assertThat(r.relays().get(1).relayPort()).isEqualTo(8443);
    assertThat(r.relays().get(1).stunPort()).as("-1 = none").isZero();
  }

  @Test
  void shouldDecodeAFullMapWithoutRelayMapAsNoRelays() throws Exception {
    NetMap nm = new NetMap();
    nm.apply(
        (Message.MapMessage)
            MessageCodec.decode(
                MessageCodec.encode(new Message.FullMap(1, "e", 2, "d", null, List.of()))));
    assertThat(nm.relayMap()).isEqualTo(RelayMap.EMPTY);
  }
}
