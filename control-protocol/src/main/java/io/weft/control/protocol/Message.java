package io.weft.control.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.weft.wg.conn.RelayMap;
import java.util.List;

/**
 * Every message of the protocol; the JSON {@code "type"} names the record. Requests carry an {@code
 * id} that their reply ({@link Ack}, {@link Error}, {@link RegisterResult}) echoes.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Message.Register.class, name = "register"),
  @JsonSubTypes.Type(value = Message.UpdateHostInfo.class, name = "hostinfo"),
  @JsonSubTypes.Type(value = Message.MapSubscribe.class, name = "map-subscribe"),
  @JsonSubTypes.Type(value = Message.Logout.class, name = "logout"),
  @JsonSubTypes.Type(value = Message.FlowLogUpload.class, name = "flowlog-upload"),
  @JsonSubTypes.Type(value = Message.RegisterResult.class, name = "register-result"),
  @JsonSubTypes.Type(value = Message.LoginComplete.class, name = "login-complete"),
  @JsonSubTypes.Type(value = Message.Ack.class, name = "ack"),
  @JsonSubTypes.Type(value = Message.Error.class, name = "error"),
  @JsonSubTypes.Type(value = Message.FullMap.class, name = "map-full"),
  @JsonSubTypes.Type(value = Message.MapDelta.class, name = "map-delta"),
  @JsonSubTypes.Type(value = Message.KeepAlive.class, name = "keepalive"),
  @JsonSubTypes.Type(value = Message.Goodbye.class, name = "goodbye"),
})
public sealed interface Message {

  // ---- node to server ----

  /**
   * Registers the machine (authenticated by the Noise handshake) with its node key.
   *
   * @param oldNodeKey the key being rotated away from, or null
   * @param authKey a pre-auth key, or null for interactive login
   */
  record Register(
      long id,
      String nodeKey,
      String oldNodeKey,
      String discoKey,
      HostInfo hostInfo,
      String authKey)
      implements Message {}

  /** New host information and/or disco key (null: unchanged). */
  record UpdateHostInfo(long id, String discoKey, HostInfo hostInfo) implements Message {}

  /**
   * Starts the map stream. With the {@code epoch} and {@code version} of the last map message
   * received, the server may resume with only the deltas missed; otherwise it sends a full map.
   */
  record MapSubscribe(long id, String epoch, long sinceVersion) implements Message {}

  /** Ends the session: the node key is expired and the connection closed. */
  record Logout(long id) implements Message {}

  /**
   * A batch of the node's flow-log records ({@link FlowRecord} JSON lines, oldest first); the
   * server stores them and answers {@link Ack}, or {@link Error} (nothing stored).
   */
  record FlowLogUpload(long id, String records) implements Message {}

  // ---- server to node ----

  /** Outcome of a {@link Register}. */
  record RegisterResult(long id, RegisterStatus status, String loginUrl, Node self, String reason)
      implements Message {}

  /** Interactive login finished: the node is registered. */
  record LoginComplete(Node self) implements Message {}

  /** A request succeeded. */
  record Ack(long id) implements Message {}

  /** A request failed; {@code code} follows HTTP's 4xx/5xx meaning. */
  record Error(long id, int code, String reason) implements Message {}

  /** Marker for the three messages of the map stream. */
  sealed interface MapMessage extends Message {
    long seq();

    long version();
  }

  /**
   * The whole map: replaces all the node knew. {@code seq} counts messages on this stream from 1;
   * {@code epoch} names the server's change log and {@code version} the position in it.
   *
   * <p>{@code packetFilter}: the rules of this node's inbound filter ({@link FilterRule}); an empty
   * list admits nothing. Absent (null) from a server that predates filters: the node then has no
   * rules either, so it denies all new inbound connections (as Tailscale does until a filter
   * arrives) and admits only replies to its own.
   *
   * <p>{@code relayMap}: the relays (JSON: Tailscale's {@code DERPMap} shape, {@link RelayMap});
   * null from a server that offers none. In a {@link MapDelta}, null means unchanged.
   */
  record FullMap(
      long seq,
      String epoch,
      long version,
      String domain,
      Node self,
      List<Node> peers,
      List<FilterRule> packetFilter,
      RelayMap relayMap)
      implements MapMessage {
    public FullMap {
      peers = peers == null ? List.of() : List.copyOf(peers);
      packetFilter = packetFilter == null ? null : List.copyOf(packetFilter);
    }

    /** A full map without a relay map (from a server that predates relay maps: no relays). */
    public FullMap(
        long seq,
        String epoch,
        long version,
        String domain,
        Node self,
        List<Node> peers,
        List<FilterRule> packetFilter) {
      this(seq, epoch, version, domain, self, peers, packetFilter, null);
    }

    /** A full map without a packet filter (from a server that predates filters). */
    public FullMap(
        long seq, String epoch, long version, String domain, Node self, List<Node> peers) {
      this(seq, epoch, version, domain, self, peers, null);
    }
  }

  /**
   * Changes since the previous map message; applying one twice is harmless. {@code packetFilter}:
   * the node's whole new rule set, or null when unchanged.
   */
  record MapDelta(
      long seq,
      long version,
      Node self,
      List<Node> peersAdded,
      List<Long> peersRemoved,
      List<PeerPatch> peersChanged,
      List<FilterRule> packetFilter,
      RelayMap relayMap)
      implements MapMessage {
    /** A delta that leaves the relay map unchanged. */
    public MapDelta(
        long seq,
        long version,
        Node self,
        List<Node> peersAdded,
        List<Long> peersRemoved,
        List<PeerPatch> peersChanged,
        List<FilterRule> packetFilter) {
      this(seq, version, self, peersAdded, peersRemoved, peersChanged, packetFilter, null);
    }

    public MapDelta {
      peersAdded = peersAdded == null ? List.of() : List.copyOf(peersAdded);
      peersRemoved = peersRemoved == null ? List.of() : List.copyOf(peersRemoved);
      peersChanged = peersChanged == null ? List.of() : List.copyOf(peersChanged);
      packetFilter = packetFilter == null ? null : List.copyOf(packetFilter);
    }

    /** A delta that leaves the packet filter unchanged. */
    public MapDelta(
        long seq,
        long version,
        Node self,
        List<Node> peersAdded,
        List<Long> peersRemoved,
        List<PeerPatch> peersChanged) {
      this(seq, version, self, peersAdded, peersRemoved, peersChanged, null);
    }
  }

  /** Sent when the stream is idle, so both sides notice a dead connection. */
  record KeepAlive(long seq, long version) implements MapMessage {}

  /** The server is closing the connection, and why. */
  record Goodbye(String reason) implements Message {}
}
