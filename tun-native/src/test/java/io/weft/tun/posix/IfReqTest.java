package io.weft.tun.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class IfReqTest {

  @Test
  void shouldPutTheNameFirstAndTheUnionAtOffset16() {
    final ByteBuffer b = ByteBuffer.allocate(IfReq.LINUX_SIZE);
    new IfReq().wrap(b, IfReq.LINUX_SIZE).name("wt0").mtu(1420);

    final ByteBuffer expected = ByteBuffer.allocate(40).order(ByteOrder.nativeOrder());
    expected.put(0, (byte) 'w').put(1, (byte) 't').put(2, (byte) '0').putInt(16, 1420);
    assertThat(b.array()).isEqualTo(expected.array());
  }

  @Test
  void shouldReadBackNameFlagsAndMtu() {
    final IfReq ifr = new IfReq().wrap(ByteBuffer.allocate(IfReq.DARWIN_SIZE), IfReq.DARWIN_SIZE);

    ifr.name("utun12").flags(0x1043);
    assertThat(ifr.name()).isEqualTo("utun12");
    assertThat(ifr.flags()).isEqualTo(0x1043);
    ifr.flags(0x9001);
    assertThat(ifr.flags()).as("unsigned").isEqualTo(0x9001);
    ifr.mtu(9000);
    assertThat(ifr.mtu()).isEqualTo(9000);
  }

  @Test
  void shouldRejectNamesThatLeaveNoRoomForTheTerminator() {
    final IfReq ifr = new IfReq().wrap(ByteBuffer.allocate(40), IfReq.LINUX_SIZE);

    ifr.name("fifteen-chars-x");
    assertThatThrownBy(() -> ifr.name("sixteen-chars-xx"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
