package io.weft.tun.darwin;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Byte layouts of the Darwin structures, checked against {@code <sys/kern_control.h>}. */
class DarwinStructsTest {

  @Test
  void shouldLayOutSockaddrCtlAs32BytesWithUnitAtOffset8() {
    final ByteBuffer b = ByteBuffer.allocate(SockaddrCtl.SIZE);
    new SockaddrCtl().wrap(b).set(MacUtun.AF_SYSTEM, MacUtun.AF_SYS_CONTROL, 0x01020304, 5);

    final ByteBuffer expected = ByteBuffer.allocate(32).order(ByteOrder.nativeOrder());
    expected
        .put(0, (byte) 32)
        .put(1, (byte) 32)
        .putShort(2, (short) 2)
        .putInt(4, 0x01020304)
        .putInt(8, 5);
    assertThat(b.array()).isEqualTo(expected.array());
  }

  @Test
  void shouldLayOutCtlInfoAs100BytesWithTheNameAfterTheId() {
    final ByteBuffer b = ByteBuffer.allocate(CtlInfo.SIZE);
    b.order(ByteOrder.nativeOrder()).putInt(0, 42);
    final CtlInfo info = new CtlInfo().wrap(b).name(MacUtun.UTUN_CONTROL_NAME);

    assertThat(CtlInfo.SIZE).isEqualTo(100);
    assertThat(info.id()).isEqualTo(42);
    final byte[] name = MacUtun.UTUN_CONTROL_NAME.getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < name.length; i++) {
      assertThat(b.get(4 + i)).isEqualTo(name[i]);
    }
    assertThat(b.get(4 + name.length)).isZero();
  }

  @Test
  void shouldEncodeTheIoctlNumbersFromTheirStructSizes() {
    // _IOWR('N', 3, struct ctl_info): direction in|out, size 100, group 'N', number 3.
    assertThat(MacUtun.CTLIOCGINFO).isEqualTo(ioc(0xc000_0000L, CtlInfo.SIZE, 'N', 3));
    assertThat(MacUtun.SIOCSIFMTU).isEqualTo(ioc(0x8000_0000L, 32, 'i', 52));
    assertThat(MacUtun.SIOCGIFFLAGS).isEqualTo(ioc(0xc000_0000L, 32, 'i', 17));
    assertThat(MacUtun.SIOCSIFFLAGS).isEqualTo(ioc(0x8000_0000L, 32, 'i', 16));
  }

  @Test
  void shouldMapIpVersionsToDarwinFamiliesInNetworkOrder() {
    assertThat(UtunHeader.familyOf((byte) 0x45)).isEqualTo(2);
    assertThat(UtunHeader.familyOf((byte) 0x60)).isEqualTo(30);
    assertThat(UtunHeader.familyOf((byte) 0x00)).isEqualTo(-1);
    assertThat(UtunHeader.familyOf((byte) 0xff)).isEqualTo(-1);

    final byte[] header = new byte[4];
    UtunHeader.put(MemorySegment.ofArray(header), UtunHeader.AF_INET6);
    assertThat(header).containsExactly(0, 0, 0, 30);
    assertThat(UtunHeader.get(MemorySegment.ofArray(new byte[] {0, 0, 0, 2}))).isEqualTo(2);
  }

  private static long ioc(long direction, int size, char group, int number) {
    return direction | ((long) (size & 0x1fff) << 16) | ((long) group << 8) | number;
  }
}
