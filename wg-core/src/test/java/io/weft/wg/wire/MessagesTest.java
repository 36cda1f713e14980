package io.weft.wg.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The message formats: classification table, field offsets and little-endian encoding. */
class MessagesTest {

  @ParameterizedTest(name = "type {0}, {1} bytes -> {2}")
  @CsvSource({
    "1, 148, 1",
    "1, 147, -1",
    "1, 149, -1",
    "2, 92, 2",
    "2, 91, -1",
    "2, 148, -1",
    "3, 64, 3",
    "3, 63, -1",
    "3, 65, -1",
    "4, 32, 4",
    "4, 31, -1",
    "4, 1500, 4",
    "4, 16, -1",
    "0, 148, -1",
    "5, 148, -1",
    "-1, 148, -1",
  })
  void shouldClassifyByTypeAndExactSize(int type, int len, int expected) {
    byte[] b = new byte[len];
    b[0] = (byte) type;
    assertThat(Messages.classify(b, 0, len)).isEqualTo(expected);
  }

  @Test
  void shouldRejectNonZeroReservedBytes() {
    for (int i = 1; i < 4; i++) {
      byte[] b = new byte[148];
      b[0] = 1;
      b[i] = 1;
      assertThat(Messages.classify(b, 0, 148)).isEqualTo(Messages.INVALID);
    }
  }

  @Test
  void shouldClassifyAtAnOffset() {
    byte[] b = new byte[10 + 92];
    b[10] = 2;
    assertThat(Messages.classify(b, 10, 92)).isEqualTo(Messages.TYPE_RESPONSE);
  }

  @Test
  void shouldLayOutFieldsAsThePaperDoes() {
    assertThat(Messages.INIT_MAC2 + Messages.MAC_SIZE).isEqualTo(Messages.INITIATION_SIZE);
    assertThat(Messages.INIT_TIMESTAMP - Messages.INIT_STATIC).isEqualTo(32 + 16);
    assertThat(Messages.INIT_MAC1 - Messages.INIT_TIMESTAMP).isEqualTo(12 + 16);
    assertThat(Messages.RESP_MAC2 + Messages.MAC_SIZE).isEqualTo(Messages.RESPONSE_SIZE);
    assertThat(Messages.COOKIE_ENCRYPTED + 32).isEqualTo(Messages.COOKIE_REPLY_SIZE);
  }

  @Test
  void shouldEncodeTransportHeaderLittleEndian() {
    byte[] b = new byte[16];
    Messages.putType(b, 0, Messages.TYPE_TRANSPORT);
    Messages.putIntLE(b, Messages.TRANSPORT_RECEIVER, 0x11223344);
    Messages.putLongLE(b, Messages.TRANSPORT_COUNTER, 0x0102030405060708L);
    assertThat(HexFormat.of().formatHex(b)).isEqualTo("04000000" + "44332211" + "0807060504030201");
    assertThat(Messages.getIntLE(b, 4)).isEqualTo(0x11223344);
    assertThat(Messages.getLongLE(b, 8)).isEqualTo(0x0102030405060708L);
    Messages.putLongLE(b, 8, -2L);
    assertThat(Messages.getLongLE(b, 8)).isEqualTo(-2L);
  }

  @Test
  void classifyNeverThrows() {
    Property.forAll(Gens.byteArrays(0, 2000))
        .tries(2000)
        .check(b -> assertThat(Messages.classify(b, 0, b.length)).isBetween(-1, 4));
  }
}
