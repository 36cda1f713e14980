package io.weft.netstack.tcp;

import static io.weft.netstack.tcp.ScriptedPeer.MS;
import static io.weft.netstack.tcp.ScriptedPeer.REMOTE;
import static io.weft.netstack.tcp.ScriptedPeer.REMOTE_PORT;
import static io.weft.netstack.tcp.ScriptedPeer.synOptions;
import static io.weft.netstack.wire.TcpPacket.ACK;
import static io.weft.netstack.wire.TcpPacket.FIN;
import static io.weft.netstack.wire.TcpPacket.PSH;
import static io.weft.netstack.wire.TcpPacket.RST;
import static io.weft.netstack.wire.TcpPacket.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import io.weft.netstack.tcp.ScriptedPeer.Segment;
import io.weft.netstack.wire.IpAddress;
import io.weft.netstack.wire.TcpOptions;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Fixed segments in, expected segments out, per RFC 9293 state. */
class TcpStateMachineTest {
  private static final int PORT = 80;
  private static final byte[] NONE = new byte[0];

  private ScriptedPeer peer;
  private TcpConfig config;

  @BeforeEach
  void setUp() {
    peer = new ScriptedPeer();
    config = TcpConfig.defaults();
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  /** Passive open with a peer offering only MSS 1460; returns the accepted socket. */
  private Established establishPassive(TcpOptions peerSyn) {
    TcpListener listener = peer.iface.listen(IpAddress.V4_ANY, PORT, 4, config);
    peer.deliver(PORT, SYN, peer.seq, 0, 65535, peerSyn, NONE);
    Segment synAck = peer.next();
    peer.seq++;
    TcpOptions ack = null;
    if (peerSyn.timestamps) {
      ack = new TcpOptions();
      ack.timestamps = true;
      ack.tsVal = peerSyn.tsVal + 1;
      ack.tsEcr = synAck.options().tsVal;
    }
    peer.deliver(PORT, ACK, peer.seq, synAck.seq() + 1, 65535, ack, NONE);
    TcpSocket s = listener.accept();
    assertThat(s).isNotNull();
    return new Established(s, synAck.seq() + 1, listener);
  }

  private Established establishPassive() {
    return establishPassive(synOptions(1460, -1, false, false, 0));
  }

  record Established(TcpSocket socket, int localNext, TcpListener listener) {}

  @Nested
  class Closed {
    @Test
    void shouldAnswerSynToAClosedPortWithRstAck() {
      peer.deliver(81, SYN, 1000, 0, 65535);
      Segment rst = peer.next();
      assertThat(rst.flags()).isEqualTo(RST | ACK);
      assertThat(rst.seq()).isZero();
      assertThat(rst.ack()).isEqualTo(1001);
      assertThat(peer.iface.stats().resetsSent()).isEqualTo(1);
    }

    @Test
    void shouldAnswerAckToAClosedPortWithRstAtItsAckNumber() {
      peer.deliver(81, ACK, 1000, 777, 65535);
      Segment rst = peer.next();
      assertThat(rst.flags()).isEqualTo(RST);
      assertThat(rst.seq()).isEqualTo(777);
    }

    @Test
    void shouldNeverAnswerARst() {
      peer.deliver(81, RST, 1000, 0, 0);
      assertThat(peer.sent).isEmpty();
    }
  }

  @Nested
  class Listen {
    @Test
    void shouldAnswerSynWithSynAckCarryingNegotiatedOptions() {
      peer.iface.listen(IpAddress.V4_ANY, PORT, 4, config);
      peer.deliver(PORT, SYN, 1000, 0, 65535, synOptions(1460, 7, true, true, 100), NONE);
      Segment synAck = peer.next();
      assertThat(synAck.flags()).isEqualTo(SYN | ACK);
      assertThat(synAck.ack()).isEqualTo(1001);
      assertThat(synAck.window()).isEqualTo(65535);
      assertThat(synAck.options().mss).isEqualTo(1380);
      assertThat(synAck.options().windowScale).isEqualTo(7);
      assertThat(synAck.options().sackPermitted).isTrue();
      assertThat(synAck.options().timestamps).isTrue();
      assertThat(synAck.options().tsEcr).isEqualTo(100);
    }

    @Test
    void shouldOmitOptionsThePeerDidNotOffer() {
      peer.iface.listen(IpAddress.V4_ANY, PORT, 4, config);
      peer.deliver(PORT, SYN, 1000, 0, 65535, synOptions(1460, -1, false, false, 0), NONE);
      TcpOptions o = peer.next().options();
      assertThat(o.windowScale).isEqualTo(-1);
      assertThat(o.sackPermitted).isFalse();
      assertThat(o.timestamps).isFalse();
    }

    @Test
    void shouldResetAnAckArrivingAtAListener() {
      peer.iface.listen(IpAddress.V4_ANY, PORT, 4, config);
      peer.deliver(PORT, ACK, 1000, 4242, 65535);
      Segment rst = peer.next();
      assertThat(rst.flags()).isEqualTo(RST);
      assertThat(rst.seq()).isEqualTo(4242);
    }

    @Test
    void shouldStopAdmittingAtTheBacklog() {
      TcpListener l = peer.iface.listen(IpAddress.V4_ANY, PORT, 1, config);
      assertThat(l.admits()).isTrue();
      peer.deliver(PORT, SYN, 1000, 0, 65535);
      peer.next();
      assertThat(l.admits()).isFalse();
      assertThat(peer.iface.tcpConnectionCount()).isEqualTo(1);
    }
  }

  @Nested
  class SynReceived {
    @Test
    void shouldEstablishOnTheHandshakeAckAndQueueForAccept() {
      Established e = establishPassive();
      assertThat(e.socket().state()).isEqualTo(TcpState.ESTABLISHED);
      assertThat(e.socket().sendMss()).isEqualTo(1380);
      assertThat(e.socket().remotePort()).isEqualTo(REMOTE_PORT);
      assertThat(peer.sent).isEmpty();
    }

    @Test
    void shouldResendSynAckWhenTheSynIsRepeated() {
      peer.iface.listen(IpAddress.V4_ANY, PORT, 4, config);
      peer.deliver(PORT, SYN, 1000, 0, 65535);
      Segment first = peer.next();
      peer.deliver(PORT, SYN, 1000, 0, 65535);
      Segment again = peer.next();
      assertThat(again.flags()).isEqualTo(SYN | ACK);
      assertThat(again.seq()).isEqualTo(first.seq());
    }

    @Test
    void shouldRetransmitSynAckAfterTheInitialRto() {
      peer.iface.listen(IpAddress.V4_ANY, PORT, 4, config);
      peer.deliver(PORT, SYN, 1000, 0, 65535);
      Segment first = peer.next();
      peer.advance(999 * MS);
      assertThat(peer.sent).isEmpty();
      peer.advance(1 * MS);
      assertThat(peer.next().seq()).isEqualTo(first.seq());
    }

    @Test
    void shouldForgetTheConnectionOnRst() {
      TcpListener l = peer.iface.listen(IpAddress.V4_ANY, PORT, 1, config);
      peer.deliver(PORT, SYN, 1000, 0, 65535);
      peer.next();
      assertThat(l.admits()).isFalse();
      peer.deliver(PORT, RST, 1001, 0, 0);
      peer.poll();
      assertThat(peer.iface.tcpConnectionCount()).isZero();
      assertThat(l.admits()).isTrue();
    }

    @Test
    void shouldResetAnUnacceptableHandshakeAck() {
      peer.iface.listen(IpAddress.V4_ANY, PORT, 4, config);
      peer.deliver(PORT, SYN, 1000, 0, 65535);
      Segment synAck = peer.next();
      peer.deliver(PORT, ACK, 1001, synAck.seq() + 100, 65535);
      Segment rst = peer.next();
      assertThat(rst.flags()).isEqualTo(RST);
      assertThat(rst.seq()).isEqualTo(synAck.seq() + 100);
    }
  }

  @Nested
  class SynSent {
    private TcpSocket socket;
    private Segment syn;

    @BeforeEach
    void connect() {
      socket = peer.iface.connect(REMOTE, REMOTE_PORT, config);
      peer.poll();
      syn = peer.next();
    }

    @Test
    void shouldSendSynWithAllOptions() {
      assertThat(socket.state()).isEqualTo(TcpState.SYN_SENT);
      assertThat(syn.flags()).isEqualTo(SYN);
      assertThat(syn.options().mss).isEqualTo(1380);
      assertThat(syn.options().windowScale).isEqualTo(7);
      assertThat(syn.options().sackPermitted).isTrue();
      assertThat(syn.options().timestamps).isTrue();
      assertThat(syn.options().tsEcr).isZero();
    }

    @Test
    void shouldEstablishOnSynAckAndAcknowledgeIt() {
      peer.deliver(
          syn.sourcePort(),
          SYN | ACK,
          9000,
          syn.seq() + 1,
          65535,
          synOptions(1400, 3, true, false, 0),
          NONE);
      assertThat(socket.state()).isEqualTo(TcpState.ESTABLISHED);
      Segment ack = peer.next();
      assertThat(ack.flags()).isEqualTo(ACK);
      assertThat(ack.seq()).isEqualTo(syn.seq() + 1);
      assertThat(ack.ack()).isEqualTo(9001);
      assertThat(socket.sendWindowShift()).isEqualTo(3);
      assertThat(socket.receiveWindowShift()).isEqualTo(7);
      assertThat(socket.sackEnabled()).isTrue();
      assertThat(socket.timestampsEnabled()).isFalse();
      assertThat(socket.sendMss()).isEqualTo(1380);
    }

    @Test
    void shouldTurnWindowScalingOffWhenThePeerDoesNotOfferIt() {
      peer.deliver(syn.sourcePort(), SYN | ACK, 9000, syn.seq() + 1, 65535);
      peer.next();
      assertThat(socket.receiveWindowShift()).isZero();
      assertThat(socket.sendMss()).isEqualTo(536);
    }

    @Test
    void shouldReportRefusedOnRstAck() {
      peer.deliver(syn.sourcePort(), RST | ACK, 0, syn.seq() + 1, 0);
      assertThat(socket.state()).isEqualTo(TcpState.CLOSED);
      assertThat(socket.error()).isEqualTo(TcpError.REFUSED);
    }

    @Test
    void shouldIgnoreRstWithoutAcceptableAck() {
      peer.deliver(syn.sourcePort(), RST | ACK, 0, syn.seq() + 5, 0);
      assertThat(socket.state()).isEqualTo(TcpState.SYN_SENT);
    }

    @Test
    void shouldResetSynAckWithUnacceptableAck() {
      peer.deliver(syn.sourcePort(), SYN | ACK, 9000, syn.seq() + 7, 65535);
      Segment rst = peer.next();
      assertThat(rst.flags()).isEqualTo(RST);
      assertThat(rst.seq()).isEqualTo(syn.seq() + 7);
      assertThat(socket.state()).isEqualTo(TcpState.SYN_SENT);
    }

    @Test
    void shouldHandleSimultaneousOpen() {
      peer.deliver(syn.sourcePort(), SYN, 9000, 0, 65535);
      assertThat(socket.state()).isEqualTo(TcpState.SYN_RECEIVED);
      Segment synAck = peer.next();
      assertThat(synAck.flags()).isEqualTo(SYN | ACK);
      assertThat(synAck.seq()).isEqualTo(syn.seq());
      assertThat(synAck.ack()).isEqualTo(9001);
      peer.deliver(syn.sourcePort(), SYN | ACK, 9000, syn.seq() + 1, 65535);
      assertThat(socket.state()).isEqualTo(TcpState.ESTABLISHED);
      assertThat(peer.next().flags()).isEqualTo(ACK);
    }

    @Test
    void shouldRetransmitSynWithExponentialBackoffThenTimeOut() {
      long[] waits = {1000, 2000, 4000, 8000, 16000, 32000};
      for (long w : waits) {
        peer.advance(w * MS - 1);
        assertThat(peer.sent).isEmpty();
        peer.advance(1);
        assertThat(peer.next().seq()).isEqualTo(syn.seq());
      }
      peer.advance(60_000 * MS);
      assertThat(socket.state()).isEqualTo(TcpState.CLOSED);
      assertThat(socket.error()).isEqualTo(TcpError.TIMED_OUT);
    }
  }

  @Nested
  class EstablishedState {
    @Test
    void shouldDelayTheAckOfASingleSegment() {
      Established e = establishPassive();
      peer.deliver(PORT, ACK | PSH, peer.seq, e.localNext(), 65535, null, bytes(100));
      assertThat(peer.sent).isEmpty();
      peer.advance(39 * MS);
      assertThat(peer.sent).isEmpty();
      peer.advance(1 * MS);
      Segment ack = peer.next();
      assertThat(ack.ack()).isEqualTo(peer.seq + 100);
      assertThat(e.socket().available()).isEqualTo(100);
    }

    @Test
    void shouldAckEverySecondSegmentAtOnce() {
      Established e = establishPassive();
      peer.deliver(PORT, ACK, peer.seq, e.localNext(), 65535, null, bytes(1000));
      peer.deliver(PORT, ACK, peer.seq + 1000, e.localNext(), 65535, null, bytes(1000));
      assertThat(peer.next().ack()).isEqualTo(peer.seq + 2000);
    }

    @Test
    void shouldAckOutOfOrderDataAtOnceWithASackBlock() {
      Established e = establishPassive(synOptions(1460, -1, true, false, 0));
      peer.deliver(PORT, ACK, peer.seq + 100, e.localNext(), 65535, null, bytes(100));
      Segment dup = peer.next();
      assertThat(dup.ack()).isEqualTo(peer.seq);
      assertThat(dup.options().sackBlocks).isEqualTo(1);
      assertThat(dup.options().sackLeft[0]).isEqualTo(peer.seq + 100);
      assertThat(dup.options().sackRight[0]).isEqualTo(peer.seq + 200);
      peer.deliver(PORT, ACK, peer.seq, e.localNext(), 65535, null, bytes(100));
      Segment full = peer.next();
      assertThat(full.ack()).isEqualTo(peer.seq + 200);
      assertThat(full.options().sackBlocks).isZero();
      assertThat(e.socket().available()).isEqualTo(200);
    }

    @Test
    void shouldAcceptExactRstAsReset() {
      Established e = establishPassive();
      peer.deliver(PORT, RST, peer.seq, 0, 0);
      assertThat(e.socket().state()).isEqualTo(TcpState.CLOSED);
      assertThat(e.socket().error()).isEqualTo(TcpError.RESET);
      assertThat(e.socket().recv(ByteBuffer.allocate(10))).isEqualTo(-1);
    }

    @Test
    void shouldChallengeAnInWindowRstThatIsNotExact() {
      Established e = establishPassive();
      peer.deliver(PORT, RST, peer.seq + 10, 0, 0);
      assertThat(e.socket().state()).isEqualTo(TcpState.ESTABLISHED);
      Segment challenge = peer.next();
      assertThat(challenge.flags()).isEqualTo(ACK);
      assertThat(challenge.ack()).isEqualTo(peer.seq);
    }

    @Test
    void shouldSilentlyDropAnRstOutsideTheWindow() {
      Established e = establishPassive();
      peer.deliver(PORT, RST, peer.seq + 10_000_000, 0, 0);
      assertThat(e.socket().state()).isEqualTo(TcpState.ESTABLISHED);
      assertThat(peer.sent).isEmpty();
    }

    @Test
    void shouldChallengeASynInASynchronizedState() {
      Established e = establishPassive();
      peer.deliver(PORT, SYN, peer.seq + 5, 0, 65535);
      assertThat(e.socket().state()).isEqualTo(TcpState.ESTABLISHED);
      assertThat(peer.next().flags()).isEqualTo(ACK);
    }

    @Test
    void shouldRetransmitAfterRtoAndBackOff() {
      Established e = establishPassive();
      assertThat(e.socket().rtoNanos()).isEqualTo(200 * MS);
      e.socket().send(ByteBuffer.wrap(bytes(100)));
      peer.poll();
      Segment first = peer.next();
      assertThat(first.seq()).isEqualTo(e.localNext());
      assertThat(first.length()).isEqualTo(100);
      peer.advance(199 * MS);
      assertThat(peer.sent).isEmpty();
      peer.advance(1 * MS);
      Segment again = peer.next();
      assertThat(again.seq()).isEqualTo(first.seq());
      assertThat(again.payload()).isEqualTo(first.payload());
      assertThat(e.socket().rtoNanos()).isEqualTo(400 * MS);
      peer.advance(400 * MS);
      assertThat(peer.next().seq()).isEqualTo(first.seq());
      peer.deliver(PORT, ACK, peer.seq, first.seq() + 100, 65535);
      peer.advance(10_000 * MS);
      assertThat(peer.sent).isEmpty();
    }

    @Test
    void shouldFastRetransmitOnTheThirdDuplicateAck() {
      config = config.withNoDelay(true);
      Established e = establishPassive();
      e.socket().send(ByteBuffer.wrap(bytes(5 * 1380)));
      peer.poll();
      for (int i = 0; i < 5; i++) {
        assertThat(peer.next().seq()).isEqualTo(e.localNext() + i * 1380);
      }
      int una = e.localNext() + 1380;
      peer.deliver(PORT, ACK, peer.seq, una, 65535);
      peer.deliver(PORT, ACK, peer.seq, una, 65535);
      peer.deliver(PORT, ACK, peer.seq, una, 65535);
      assertThat(peer.sent).isEmpty();
      peer.deliver(PORT, ACK, peer.seq, una, 65535);
      Segment retransmission = peer.next();
      assertThat(retransmission.seq()).isEqualTo(una);
      assertThat(retransmission.length()).isEqualTo(1380);
      assertThat(e.socket().retransmittedSegments()).isEqualTo(1);
    }

    @Test
    void shouldRetransmitEarlyWhenFewSegmentsAreOutstanding() {
      config = config.withNoDelay(true);
      Established e = establishPassive();
      e.socket().send(ByteBuffer.wrap(bytes(2 * 1380)));
      peer.poll();
      peer.sent.clear();
      peer.deliver(PORT, ACK, peer.seq, e.localNext(), 65535);
      Segment retransmission = peer.next();
      assertThat(retransmission.seq()).isEqualTo(e.localNext());
      assertThat(e.socket().retransmissionTimeouts()).isZero();
    }

    @Test
    void shouldSendOneNewSegmentForEachOfTheFirstTwoDuplicateAcks() {
      config = config.withNoDelay(true);
      Established e = establishPassive();
      e.socket().send(ByteBuffer.wrap(bytes(20 * 1380)));
      peer.poll();
      assertThat(peer.sent).hasSize(10);
      peer.sent.clear();
      int una = e.localNext() + 1380;
      peer.deliver(PORT, ACK, peer.seq, una, 65535);
      peer.sent.clear();
      peer.deliver(PORT, ACK, peer.seq, una, 65535);
      assertThat(peer.next().seq()).isEqualTo(e.localNext() + 12 * 1380);
      peer.deliver(PORT, ACK, peer.seq, una, 65535);
      assertThat(peer.next().seq()).isEqualTo(e.localNext() + 13 * 1380);
      assertThat(peer.sent).isEmpty();
    }

    @Test
    void shouldRetransmitEverySackedHoleDuringRecovery() {
      config = config.withNoDelay(true);
      Established e = establishPassive(synOptions(1460, -1, true, false, 0));
      e.socket().send(ByteBuffer.wrap(bytes(6 * 1380)));
      peer.poll();
      peer.sent.clear();
      int s0 = e.localNext();
      int s1 = s0 + 1380;
      int s3 = s0 + 3 * 1380;
      // Segments 0 and 2 are lost; each later arrival produces a duplicate ACK with SACK blocks.
      int[][] blocks = {{s1, s1 + 1380}, {s3, s3 + 1380}, {s3, s3 + 2 * 1380}};
      for (int[] b : blocks) {
        TcpOptions dup = new TcpOptions();
        dup.addSackBlock(b[0], b[1]);
        if (b[0] != s1) {
          dup.addSackBlock(s1, s1 + 1380);
        }
        peer.deliver(PORT, ACK, peer.seq, s0, 65535, dup, NONE);
      }
      assertThat(peer.next().seq()).isEqualTo(s0);
      Segment hole = peer.next();
      assertThat(hole.seq()).isEqualTo(s0 + 2 * 1380);
      assertThat(hole.length()).isEqualTo(1380);
      assertThat(e.socket().retransmittedSegments()).isEqualTo(2);
    }

    @Test
    void shouldHoldASmallSegmentWhileDataIsUnacknowledgedUnderNagle() {
      Established e = establishPassive();
      e.socket().send(ByteBuffer.wrap(bytes(100)));
      peer.poll();
      Segment first = peer.next();
      e.socket().send(ByteBuffer.wrap(bytes(100)));
      peer.poll();
      assertThat(peer.sent).isEmpty();
      peer.deliver(PORT, ACK, peer.seq, first.seq() + 100, 65535);
      Segment second = peer.next();
      assertThat(second.seq()).isEqualTo(first.seq() + 100);
    }

    @Test
    void shouldSendSmallSegmentsAtOnceWithNoDelay() {
      config = config.withNoDelay(true);
      Established e = establishPassive();
      e.socket().send(ByteBuffer.wrap(bytes(100)));
      peer.poll();
      e.socket().send(ByteBuffer.wrap(bytes(100)));
      peer.poll();
      assertThat(peer.sent).hasSize(2);
    }

    @Test
    void shouldProbeAZeroWindow() {
      Established e = establishPassive();
      peer.deliver(PORT, ACK, peer.seq, e.localNext(), 0);
      assertThat(e.socket().sendWindow()).isZero();
      e.socket().send(ByteBuffer.wrap(bytes(100)));
      peer.poll();
      assertThat(peer.sent).isEmpty();
      peer.advance(200 * MS);
      Segment probe = peer.next();
      assertThat(probe.seq()).isEqualTo(e.localNext() - 1);
      assertThat(probe.length()).isZero();
      peer.advance(400 * MS);
      assertThat(peer.next().seq()).isEqualTo(e.localNext() - 1);
      peer.deliver(PORT, ACK, peer.seq, e.localNext(), 1000);
      Segment data = peer.next();
      assertThat(data.seq()).isEqualTo(e.localNext());
      assertThat(data.length()).isEqualTo(100);
    }

    @Test
    void shouldScaleWindowsBothWays() {
      Established e = establishPassive(synOptions(1460, 2, false, false, 0));
      peer.deliver(PORT, ACK, peer.seq, e.localNext(), 1000);
      assertThat(e.socket().sendWindow()).isEqualTo(4000);
      peer.deliver(PORT, ACK, peer.seq, e.localNext(), 1000, null, bytes(10));
      peer.advance(40 * MS);
      assertThat(peer.next().window()).isEqualTo(((4 << 20) - 10) >> 7);
    }

    @Test
    void shouldDropSegmentsWithOldTimestamps() {
      Established e = establishPassive(synOptions(1460, -1, false, true, 1000));
      TcpOptions old = new TcpOptions();
      old.timestamps = true;
      old.tsVal = 500;
      peer.deliver(PORT, ACK, peer.seq, e.localNext(), 65535, old, bytes(10));
      assertThat(e.socket().available()).isZero();
      Segment ack = peer.next();
      assertThat(ack.options().tsEcr).isEqualTo(1001);
    }

    @Test
    void shouldAnnounceAClosedWindowReopeningAfterOneSegmentIsRead() {
      config = config.withBuffers(16 * 1380, 64 * 1024);
      Established e = establishPassive();
      for (int i = 0; i < 16; i++) {
        peer.deliver(PORT, ACK, peer.seq + i * 1380, e.localNext(), 65535, null, bytes(1380));
      }
      peer.advance(100 * MS);
      peer.sent.clear();
      assertThat(e.socket().recv(ByteBuffer.allocate(1000))).isEqualTo(1000);
      peer.poll();
      assertThat(peer.sent).isEmpty();
      assertThat(e.socket().recv(ByteBuffer.allocate(380))).isEqualTo(380);
      peer.poll();
      assertThat(peer.next().window()).isEqualTo(1380);
    }

    @Test
    void shouldAnnounceAnOpenedWindowAfterTheApplicationReads() {
      config = config.withBuffers(16 * 1380, 64 * 1024);
      Established e = establishPassive();
      for (int i = 0; i < 16; i++) {
        peer.deliver(PORT, ACK, peer.seq + i * 1380, e.localNext(), 65535, null, bytes(1380));
      }
      peer.sent.clear();
      peer.advance(100 * MS);
      assertThat(e.socket().recv(ByteBuffer.allocate(16 * 1380))).isEqualTo(16 * 1380);
      peer.poll();
      Segment update = peer.next();
      assertThat(update.window()).isEqualTo(16 * 1380);
    }
  }

  @Nested
  class Closing {
    @Test
    void shouldWalkTheActiveCloseThroughTimeWait() {
      Established e = establishPassive();
      TcpSocket s = e.socket();
      s.close();
      assertThat(s.state()).isEqualTo(TcpState.FIN_WAIT_1);
      peer.poll();
      Segment fin = peer.next();
      assertThat(fin.flags()).isEqualTo(FIN | ACK);
      assertThat(fin.seq()).isEqualTo(e.localNext());
      peer.deliver(PORT, ACK, peer.seq, e.localNext() + 1, 65535);
      assertThat(s.state()).isEqualTo(TcpState.FIN_WAIT_2);
      peer.deliver(PORT, FIN | ACK, peer.seq, e.localNext() + 1, 65535);
      assertThat(s.state()).isEqualTo(TcpState.TIME_WAIT);
      assertThat(peer.next().ack()).isEqualTo(peer.seq + 1);
      peer.advance(59_999 * MS);
      assertThat(s.state()).isEqualTo(TcpState.TIME_WAIT);
      peer.advance(1 * MS);
      assertThat(s.state()).isEqualTo(TcpState.CLOSED);
      assertThat(s.error()).isEqualTo(TcpError.NONE);
      assertThat(peer.iface.tcpConnectionCount()).isZero();
    }

    @Test
    void shouldAckARetransmittedFinInTimeWait() {
      Established e = establishPassive();
      e.socket().close();
      peer.poll();
      peer.next();
      peer.deliver(PORT, FIN | ACK, peer.seq, e.localNext() + 1, 65535);
      peer.next();
      peer.deliver(PORT, FIN | ACK, peer.seq, e.localNext() + 1, 65535);
      assertThat(peer.next().ack()).isEqualTo(peer.seq + 1);
      assertThat(e.socket().state()).isEqualTo(TcpState.TIME_WAIT);
    }

    @Test
    void shouldWalkThePassiveCloseThroughLastAck() {
      Established e = establishPassive();
      TcpSocket s = e.socket();
      peer.deliver(PORT, FIN | ACK, peer.seq, e.localNext(), 65535);
      assertThat(s.state()).isEqualTo(TcpState.CLOSE_WAIT);
      assertThat(peer.next().ack()).isEqualTo(peer.seq + 1);
      assertThat(s.recv(ByteBuffer.allocate(1))).isEqualTo(-1);
      s.close();
      assertThat(s.state()).isEqualTo(TcpState.LAST_ACK);
      peer.poll();
      Segment fin = peer.next();
      assertThat(fin.has(FIN)).isTrue();
      peer.deliver(PORT, ACK, peer.seq + 1, e.localNext() + 1, 65535);
      assertThat(s.state()).isEqualTo(TcpState.CLOSED);
    }

    @Test
    void shouldHandleSimultaneousCloseThroughClosing() {
      Established e = establishPassive();
      TcpSocket s = e.socket();
      s.close();
      peer.poll();
      peer.next();
      peer.deliver(PORT, FIN | ACK, peer.seq, e.localNext(), 65535);
      assertThat(s.state()).isEqualTo(TcpState.CLOSING);
      assertThat(peer.next().ack()).isEqualTo(peer.seq + 1);
      peer.deliver(PORT, ACK, peer.seq + 1, e.localNext() + 1, 65535);
      assertThat(s.state()).isEqualTo(TcpState.TIME_WAIT);
    }

    @Test
    void shouldGoStraightToTimeWaitOnFinAckingOurFin() {
      Established e = establishPassive();
      e.socket().close();
      peer.poll();
      peer.next();
      peer.deliver(PORT, FIN | ACK, peer.seq, e.localNext() + 1, 65535);
      assertThat(e.socket().state()).isEqualTo(TcpState.TIME_WAIT);
    }

    @Test
    void shouldDeliverDataBeforeTheFinThenEndOfStream() {
      Established e = establishPassive();
      peer.deliver(PORT, FIN | ACK | PSH, peer.seq, e.localNext(), 65535, null, bytes(5));
      ByteBuffer into = ByteBuffer.allocate(10);
      assertThat(e.socket().recv(into)).isEqualTo(5);
      assertThat(e.socket().recv(into)).isEqualTo(-1);
    }

    @Test
    void shouldHoldAFinThatArrivesBeforeMissingData() {
      Established e = establishPassive();
      peer.deliver(PORT, FIN | ACK, peer.seq + 5, e.localNext(), 65535);
      assertThat(e.socket().state()).isEqualTo(TcpState.ESTABLISHED);
      peer.deliver(PORT, ACK, peer.seq, e.localNext(), 65535, null, bytes(5));
      assertThat(e.socket().state()).isEqualTo(TcpState.CLOSE_WAIT);
    }

    @Test
    void shouldResetWhenClosedWithUnreadData() {
      Established e = establishPassive();
      peer.deliver(PORT, ACK, peer.seq, e.localNext(), 65535, null, bytes(10));
      e.socket().close();
      peer.poll();
      assertThat(peer.next().flags()).isEqualTo(RST);
      assertThat(e.socket().state()).isEqualTo(TcpState.CLOSED);
    }

    @Test
    void shouldResetDataArrivingAfterAFullClose() {
      Established e = establishPassive();
      e.socket().close();
      peer.poll();
      peer.next();
      peer.deliver(PORT, ACK, peer.seq, e.localNext() + 1, 65535);
      assertThat(e.socket().state()).isEqualTo(TcpState.FIN_WAIT_2);
      peer.deliver(PORT, ACK, peer.seq, e.localNext() + 1, 65535, null, bytes(10));
      assertThat(peer.next().flags()).isEqualTo(RST);
      assertThat(e.socket().state()).isEqualTo(TcpState.CLOSED);
    }

    @Test
    void shouldKeepReceivingAfterShutdownOutput() {
      Established e = establishPassive();
      e.socket().shutdownOutput();
      peer.poll();
      peer.next();
      peer.deliver(PORT, ACK, peer.seq, e.localNext() + 1, 65535);
      peer.deliver(PORT, ACK, peer.seq, e.localNext() + 1, 65535, null, bytes(10));
      assertThat(e.socket().state()).isEqualTo(TcpState.FIN_WAIT_2);
      assertThat(e.socket().available()).isEqualTo(10);
    }

    @Test
    void shouldAbandonAnOrphanedFinWait2() {
      Established e = establishPassive();
      e.socket().close();
      peer.poll();
      peer.next();
      peer.deliver(PORT, ACK, peer.seq, e.localNext() + 1, 65535);
      peer.poll();
      peer.advance(60_000 * MS);
      assertThat(e.socket().state()).isEqualTo(TcpState.CLOSED);
      assertThat(peer.iface.tcpConnectionCount()).isZero();
    }

    @Test
    void shouldSendRstOnAbort() {
      Established e = establishPassive();
      e.socket().abort();
      peer.poll();
      Segment rst = peer.next();
      assertThat(rst.flags()).isEqualTo(RST);
      assertThat(rst.seq()).isEqualTo(e.localNext());
      assertThat(e.socket().error()).isEqualTo(TcpError.ABORTED);
    }
  }
}
