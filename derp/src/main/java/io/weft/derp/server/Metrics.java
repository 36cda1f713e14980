package io.weft.derp.server;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The relay's counters and gauges, rendered as Prometheus text at {@code /metrics}. */
public final class Metrics {
  /** Counters, named as they appear with the {@code weft_derp_} prefix. */
  public enum Counter {
    ACCEPTS("accepts_total", "TCP connections accepted"),
    HTTP_REQUESTS("http_requests_total", "HTTP requests served"),
    HTTP_BAD_REQUESTS("http_bad_requests_total", "malformed HTTP requests answered with 400"),
    WEBSOCKET_ACCEPTS("websocket_accepts_total", "DERP-over-WebSocket connections"),
    HANDSHAKE_TIMEOUTS(
        "handshake_timeouts_total", "connections closed for not finishing the handshake in time"),
    HANDSHAKE_FAILURES(
        "handshake_failures_total", "bad ClientInfo: wrong type, short, unopenable box, bad JSON"),
    ADMISSION_REJECTED("admission_rejected_total", "clients refused by the admission rule"),
    FRAMES_MALFORMED(
        "frames_malformed_total", "frames too long or of the wrong length for their type"),
    FRAMES_UNKNOWN("frames_unknown_total", "frames of unknown type skipped"),
    PROTOCOL_ERRORS(
        "protocol_errors_total", "connections closed for a privileged or malformed frame"),
    PACKETS_RECV("packets_recv_total", "packets received from clients"),
    BYTES_RECV("bytes_recv_total", "packet bytes received from clients"),
    PACKETS_SENT("packets_sent_total", "packets written to clients"),
    BYTES_SENT("bytes_sent_total", "packet bytes written to clients"),
    DROP_UNKNOWN_DEST(
        "packets_dropped_unknown_dest_total", "packets for a key that is not connected"),
    DROP_QUEUE_HEAD(
        "packets_dropped_queue_head_total", "oldest queued packets dropped for a newer one"),
    DROP_QUEUE_TAIL(
        "packets_dropped_queue_tail_total", "new packets dropped because the queue stayed full"),
    DROP_GONE("packets_dropped_gone_total", "packets dropped because the destination closed"),
    PEER_GONE_DISCONNECTED(
        "peer_gone_disconnected_frames_total", "PeerGone(disconnected) frames sent"),
    PEER_GONE_NOT_HERE("peer_gone_not_here_frames_total", "PeerGone(not here) frames sent"),
    PINGS("pings_total", "pings received"),
    PONGS_DROPPED(
        "pongs_dropped_total", "pings not answered because the client pinged faster than it read"),
    KEEPALIVES("keepalives_total", "keep-alive frames sent"),
    WRITE_TIMEOUTS("write_timeouts_total", "clients closed because writes to them stalled"),
    FORWARDED_IN("packets_forwarded_in_total", "packets received from mesh peers"),
    FORWARDED_OUT("packets_forwarded_out_total", "packets forwarded to mesh peers"),
    RATE_LIMITED(
        "rate_limited_total", "times a client's reading paused for its receive rate limit"),
    ACCEPT_LIMITED("accept_limited_total", "connections closed at once by the accept rate limit"),
    STUN_REQUESTS("stun_requests_total", "STUN binding requests answered"),
    STUN_BAD("stun_bad_total", "UDP datagrams that were not STUN binding requests");

    final String name;
    final String help;

    Counter(String name, String help) {
      this.name = name;
      this.help = help;
    }
  }

  private final LongAdder[] counters = new LongAdder[Counter.values().length];
  final AtomicLong currentClients = new AtomicLong();
  final AtomicLong currentHomeClients = new AtomicLong();
  final AtomicLong currentWatchers = new AtomicLong();

  Metrics() {
    for (int i = 0; i < counters.length; i++) {
      counters[i] = new LongAdder();
    }
  }

  void inc(Counter c) {
    counters[c.ordinal()].increment();
  }

  void add(Counter c, long n) {
    counters[c.ordinal()].add(n);
  }

  /** The current value of {@code c}. */
  public long get(Counter c) {
    return counters[c.ordinal()].sum();
  }

  public long currentClients() {
    return currentClients.get();
  }

  /** Mesh peers watching this relay's connections. */
  public long currentWatchers() {
    return currentWatchers.get();
  }

  /** Prometheus text exposition format 0.0.4. */
  public String render() {
    StringBuilder sb = new StringBuilder(4096);
    for (Counter c : Counter.values()) {
      sb.append("# HELP weft_derp_").append(c.name).append(' ').append(c.help).append('\n');
      sb.append("# TYPE weft_derp_").append(c.name).append(" counter\n");
      sb.append("weft_derp_").append(c.name).append(' ').append(get(c)).append('\n');
    }
    gauge(sb, "current_clients", "connected clients", currentClients.get());
    gauge(
        sb,
        "current_home_clients",
        "clients that said this is their home relay",
        currentHomeClients.get());
    gauge(sb, "current_watchers", "mesh peers watching connections", currentWatchers.get());
    return sb.toString();
  }

  private static void gauge(StringBuilder sb, String name, String help, long v) {
    sb.append("# HELP weft_derp_").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE weft_derp_").append(name).append(" gauge\n");
    sb.append("weft_derp_").append(name).append(' ').append(v).append('\n');
  }
}
