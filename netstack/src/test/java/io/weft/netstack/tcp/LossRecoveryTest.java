package io.weft.netstack.tcp;

import static io.weft.netstack.tcp.ScriptedPeer.MS;
import static io.weft.netstack.tcp.ScriptedPeer.synOptions;
import static io.weft.netstack.wire.TcpPacket.ACK;
import static io.weft.netstack.wire.TcpPacket.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import io.weft.netstack.tcp.ScriptedPeer.Segment;
import io.weft.netstack.wire.IpAddress;
import io.weft.netstack.wire.TcpOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Packet-level tests of loss recovery with SACK: RACK's time-based loss detection (RFC 8985 section
 * 6) including lost retransmissions, the tail loss probe (section 7), SACK information kept across
 * a retransmission timeout (RFC 6675 section 5.1), and D-SACK for duplicates (RFC 2883).
 */
class LossRecoveryTest {
  private static final int PORT = 80;
  private static final int MSS = 1460;
  private static final byte[] NONE = new byte[0];

  private ScriptedPeer peer;
  private TcpSocket socket;
  private int s0;

  @BeforeEach
  void setUp() {
    peer = new ScriptedPeer();
    TcpListener listener =
        peer.iface.listen(IpAddress.V4_ANY, PORT, 4, TcpConfig.defaults().withNoDelay(true));
    peer.deliver(PORT, SYN, peer.seq, 0, 65535, synOptions(MSS, 7, true, false, 0), NONE);
    Segment synAck = peer.next();
    peer.seq++;
    // The handshake's RTT sample is 1 ms.
    peer.now += MS;
    peer.deliver(PORT, ACK, peer.seq, synAck.seq() + 1, 65535, null, NONE);
    socket = listener.accept();
    assertThat(socket.sackEnabled()).isTrue();
    s0 = synAck.seq() + 1;
  }

  private int seg(int i) {
    return s0 + i * socket.sendMss();
  }

  /** An ACK for SND.UNA {@code ack} with SACK blocks given as segment index ranges [from, to). */
  private void ackWithSack(int ack, int... ranges) {
    TcpOptions o = new TcpOptions();
    for (int i = 0; i < ranges.length; i += 2) {
      o.addSackBlock(seg(ranges[i]), seg(ranges[i + 1]));
    }
    peer.deliver(PORT, ACK, peer.seq, ack, 65535, o, NONE);
  }

  private List<Segment> drain() {
    List<Segment> out = new ArrayList<>(peer.sent);
    peer.sent.clear();
    return out;
  }

  @Test
  void shouldNotResendSackedSegmentsAfterATimeout() {
    socket.send(ByteBuffer.wrap(new byte[6 * socket.sendMss()]));
    peer.poll();
    assertThat(drain()).hasSize(6);
    // Segment 0 is lost; the peer holds 1 to 5. Every copy of segment 0 is lost from now on.
    ackWithSack(seg(0), 1, 6);
    List<Segment> resent = new ArrayList<>(drain());
    for (int i = 0; i < 40 && socket.retransmissionTimeouts() < 2; i++) {
      peer.advance(50 * MS);
      resent.addAll(drain());
    }
    assertThat(socket.retransmissionTimeouts()).isGreaterThanOrEqualTo(1);
    assertThat(resent).isNotEmpty().allSatisfy(s -> assertThat(s.seq()).isEqualTo(seg(0)));
    // Once segment 0 arrives, everything is acknowledged and nothing more goes out.
    peer.deliver(PORT, ACK, peer.seq, seg(6), 65535, null, NONE);
    peer.advance(5_000 * MS);
    assertThat(drain()).isEmpty();
  }

  @Test
  void shouldDetectALostRetransmissionWithoutATimeout() {
    socket.send(ByteBuffer.wrap(new byte[40 * socket.sendMss()]));
    peer.poll();
    assertThat(drain()).hasSize(10);
    peer.now += MS;
    ackWithSack(seg(0), 1, 5);
    List<Segment> first = drain();
    assertThat(first).first().extracting(Segment::seq).isEqualTo(seg(0));
    int highest = highestIndex(first);
    // The retransmission of segment 0 is lost; the peer holds everything else, and the ACK
    // clock sends new data after the retransmission.
    peer.now += 2 * MS;
    ackWithSack(seg(0), 1, highest + 1);
    List<Segment> second = drain();
    assertThat(second).isNotEmpty().extracting(Segment::seq).doesNotContain(seg(0));
    // Those later segments arrive, segment 0 still does not: RACK marks its retransmission lost.
    peer.now += 2 * MS;
    ackWithSack(seg(0), 1, highestIndex(second) + 1);
    assertThat(drain()).extracting(Segment::seq).contains(seg(0));
    assertThat(socket.retransmissionTimeouts()).isZero();
    assertThat(socket.tailLossProbes()).isZero();
  }

  private int highestIndex(List<Segment> segments) {
    return segments.stream().mapToInt(s -> (s.seq() - s0) / socket.sendMss()).max().orElseThrow();
  }

  @Test
  void shouldProbeTheTailLongBeforeTheTimer() {
    socket.send(ByteBuffer.wrap(new byte[3 * socket.sendMss()]));
    peer.poll();
    assertThat(drain()).hasSize(3);
    // The first segment is acknowledged after 1 ms; the other two, and their ACKs, vanish.
    peer.now += MS;
    peer.deliver(PORT, ACK, peer.seq, seg(1), 65535, null, NONE);
    assertThat(drain()).isEmpty();
    peer.advance(4 * MS);
    List<Segment> probe = drain();
    assertThat(probe).extracting(Segment::seq).containsExactly(seg(2));
    assertThat(socket.tailLossProbes()).isEqualTo(1);
    // The probe arrived: its SACK shows segment 1 missing, which RACK marks lost at once.
    peer.now += MS;
    ackWithSack(seg(1), 2, 3);
    assertThat(drain()).extracting(Segment::seq).containsExactly(seg(1));
    peer.deliver(PORT, ACK, peer.seq, seg(3), 65535, null, NONE);
    assertThat(socket.retransmissionTimeouts()).isZero();
    assertThat(socket.unacknowledged()).isZero();
  }

  @Test
  void shouldReportADuplicateSegmentWithADsack() {
    byte[] data = new byte[100];
    peer.deliver(PORT, ACK, peer.seq, s0, 65535, null, data);
    peer.advance(100 * MS);
    drain();
    peer.deliver(PORT, ACK, peer.seq, s0, 65535, null, data);
    List<Segment> acks = drain();
    assertThat(acks).hasSize(1);
    TcpOptions o = acks.get(0).options();
    assertThat(o.sackBlocks).isEqualTo(1);
    assertThat(o.sackLeft[0]).isEqualTo(peer.seq);
    assertThat(o.sackRight[0]).isEqualTo(peer.seq + 100);
    assertThat(acks.get(0).ack()).isEqualTo(peer.seq + 100);
  }
}
