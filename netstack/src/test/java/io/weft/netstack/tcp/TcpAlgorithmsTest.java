package io.weft.netstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.netstack.tcp.cc.Cubic;
import io.weft.netstack.tcp.cc.NewReno;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class TcpAlgorithmsTest {
  private static final long MS = 1_000_000L;

  @Nested
  class SequenceNumbers {
    @Test
    void shouldCompareAcrossTheWrap() {
      assertThat(SeqNum.lt(0xFFFF_FFF0, 0x10)).isTrue();
      assertThat(SeqNum.gt(0x10, 0xFFFF_FFF0)).isTrue();
      assertThat(SeqNum.le(5, 5)).isTrue();
      assertThat(SeqNum.max(0xFFFF_FFF0, 0x10)).isEqualTo(0x10);
      assertThat(SeqNum.inWindow(0x2, 0xFFFF_FFFE, 8)).isTrue();
      assertThat(SeqNum.inWindow(0x6, 0xFFFF_FFFE, 8)).isFalse();
    }
  }

  @Nested
  class Rfc6298 {
    @Test
    void shouldStartAtTheInitialRto() {
      assertThat(new RttEstimator(1000 * MS, 200 * MS, 60_000 * MS).rto()).isEqualTo(1000 * MS);
    }

    @Test
    void shouldFollowSection2ForFirstAndLaterSamples() {
      RttEstimator r = new RttEstimator(1000 * MS, 1 * MS, 60_000 * MS);
      r.sample(100 * MS);
      assertThat(r.srtt()).isEqualTo(100 * MS);
      assertThat(r.rto()).isEqualTo(300 * MS); // SRTT + 4 * (R / 2)
      r.sample(200 * MS);
      assertThat(r.srtt()).isEqualTo(112_500_000L); // 7/8 * 100 + 1/8 * 200
      assertThat(r.rto()).isEqualTo(362_500_000L); // + 4 * (3/4 * 50 + 1/4 * 100)
    }

    @Test
    void shouldBackOffExponentiallyUpToTheMaximum() {
      RttEstimator r = new RttEstimator(1000 * MS, 200 * MS, 5000 * MS);
      r.backoff();
      assertThat(r.rto()).isEqualTo(2000 * MS);
      r.backoff();
      r.backoff();
      assertThat(r.rto()).isEqualTo(5000 * MS);
      assertThat(r.backoffs()).isEqualTo(3);
      r.sample(10 * MS);
      assertThat(r.backoffs()).isZero();
      assertThat(r.rto()).isEqualTo(200 * MS);
    }
  }

  @Nested
  class NewRenoWindow {
    private static final int MSS = 1000;

    @Test
    void shouldStartWithTenSegmentsAndGrowBySegmentsInSlowStart() {
      NewReno cc = new NewReno(MSS);
      assertThat(cc.window()).isEqualTo(10 * MSS);
      cc.onAck(0, 5000, 10_000, 0);
      assertThat(cc.window()).isEqualTo(12 * MSS); // byte counting limited to 2 * SMSS per ACK
    }

    @Test
    void shouldHalveOnEnteringRecoveryAndInflateOnDuplicates() {
      NewReno cc = new NewReno(MSS);
      cc.onEnterRecovery(0, 20 * MSS);
      assertThat(cc.ssthresh()).isEqualTo(10 * MSS);
      assertThat(cc.window()).isEqualTo(13 * MSS);
      cc.onDuplicateAckInRecovery();
      assertThat(cc.window()).isEqualTo(14 * MSS);
      cc.onPartialAck(3 * MSS);
      assertThat(cc.window()).isEqualTo(12 * MSS);
      cc.onExitRecovery(15 * MSS);
      assertThat(cc.window()).isEqualTo(10 * MSS);
    }

    @Test
    void shouldGrowByOneSegmentPerWindowInCongestionAvoidance() {
      NewReno cc = new NewReno(MSS);
      cc.onEnterRecovery(0, 8 * MSS);
      cc.onExitRecovery(8 * MSS);
      assertThat(cc.window()).isEqualTo(4 * MSS);
      cc.onAck(0, 2 * MSS, 4 * MSS, 0);
      assertThat(cc.window()).isEqualTo(4 * MSS);
      cc.onAck(0, 2 * MSS, 4 * MSS, 0);
      assertThat(cc.window()).isEqualTo(5 * MSS);
    }

    @Test
    void shouldFallToOneSegmentAfterATimeout() {
      NewReno cc = new NewReno(MSS);
      cc.onRetransmitTimeout(0, 30 * MSS);
      assertThat(cc.window()).isEqualTo(MSS);
      assertThat(cc.ssthresh()).isEqualTo(15 * MSS);
    }
  }

  @Nested
  class CubicWindow {
    private static final int MSS = 1000;
    private static final long RTT = 100 * MS;

    /** Acknowledges one window per RTT for {@code rtts} rounds; returns the window after each. */
    private int[] run(Cubic cc, long start, int rtts) {
      int[] windows = new int[rtts];
      long now = start;
      for (int r = 0; r < rtts; r++) {
        int segments = cc.window() / MSS;
        for (int i = 0; i < segments; i++) {
          cc.onAck(now, MSS, cc.window(), RTT);
        }
        now += RTT;
        windows[r] = cc.window() / MSS;
      }
      return windows;
    }

    @Test
    void shouldReduceByBetaAndRememberWmax() {
      Cubic cc = new Cubic(MSS);
      run(cc, 0, 4); // slow start to 160 segments
      int before = cc.window() / MSS;
      cc.onEnterRecovery(0, cc.window());
      cc.onExitRecovery(0);
      assertThat(cc.window()).isEqualTo((int) (before * MSS * 0.7));
      assertThat(cc.wMax()).isEqualTo(before);
    }

    @Test
    void shouldApproachWmaxConcavelyThenProbeBeyondIt() {
      Cubic cc = new Cubic(MSS);
      run(cc, 0, 4);
      double wMax = cc.window() / (double) MSS;
      cc.onEnterRecovery(0, cc.window());
      cc.onExitRecovery(0);
      int[] w = run(cc, 1_000_000 * MS, 120);
      double k = Math.cbrt(wMax * 0.3 / 0.4);
      int atK = w[(int) Math.round(k * 10) - 1];
      assertThat(atK).isBetween((int) (wMax * 0.9), (int) (wMax * 1.1));
      int earlyGrowth = w[5] - w[0];
      int plateauGrowth = w[(int) (k * 10)] - w[(int) (k * 10) - 5];
      assertThat(plateauGrowth).isLessThan(earlyGrowth);
      assertThat(w[119]).isGreaterThan((int) (wMax * 1.5));
    }

    @Test
    void shouldConvergeFastWhenLossComesBeforeWmax() {
      Cubic cc = new Cubic(MSS);
      run(cc, 0, 4);
      cc.onEnterRecovery(0, cc.window());
      cc.onExitRecovery(0);
      double previous = cc.wMax();
      cc.onEnterRecovery(0, cc.window());
      assertThat(cc.wMax()).isLessThan(previous * 0.7 + 1);
    }
  }
}
