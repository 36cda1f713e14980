package io.weft.netstack.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.netstack.phy.FaultInjector.Faults;
import io.weft.netstack.phy.PcapWriter;
import io.weft.netstack.tcp.TcpConfig;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Records a small lossy transfer to {@code target/netstack-sim.pcap} so a person can open it in
 * Wireshark or {@code tcpdump -r}; the test checks the file has a header and one record per packet.
 */
class PcapCaptureTest {
  @Test
  void shouldCaptureASimulatedTransferAsPcap() throws Exception {
    Path file = Path.of("target", "netstack-sim.pcap");
    Files.createDirectories(file.getParent());
    long packets;
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
      SimulatedPair[] holder = new SimulatedPair[1];
      PcapWriter pcap = new PcapWriter(out, () -> holder[0].now, null);
      SimulatedPair net =
          new SimulatedPair(new Faults(0.05, 0, 0.05, 5_000_000L, 3_000_000L, 0), 11, 1420, pcap);
      holder[0] = net;
      TransferSimulationTest.Transfer t =
          new TransferSimulationTest.Transfer(
              net, 64 * 1024, 11, SimulatedPair.B4, TcpConfig.defaults());
      net.runUntil(t::done, t, 60_000_000_000L);
      assertThat(t.received).isEqualTo(64 * 1024);
      packets = net.towardsA.sent() + net.towardsB.sent();
    }
    long size = Files.size(file);
    assertThat(size).isGreaterThan(24 + packets * 16);
  }
}
