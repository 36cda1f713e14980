package io.weft.derp.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The JSON inside ClientInfo and ServerInfo boxes ({@code derp/derp_client.go} ClientInfo:175,
 * {@code derp/derp.go} ServerInfo:308). Field names are Go's: {@code meshKey}, {@code version},
 * {@code CanAckPings}, {@code IsProber}, {@code AppName}; ServerInfo has {@code version} and the
 * unused token-bucket fields.
 */
public final class Info {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Info() {}

  /** What a client says about itself. {@code meshKey} is null for ordinary clients. */
  public record ClientInfo(
      byte[] meshKey, int version, boolean canAckPings, boolean isProber, String appName) {

    /** The JSON as Go's encoding/json writes it (omitting empty optional fields). */
    public byte[] toJson() {
      StringBuilder sb = new StringBuilder("{");
      if (meshKey != null) {
        sb.append("\"meshKey\":\"").append(HexFormat.of().formatHex(meshKey)).append("\",");
      }
      if (version != 0) {
        sb.append("\"version\":").append(version).append(',');
      }
      sb.append("\"CanAckPings\":").append(canAckPings);
      if (isProber) {
        sb.append(",\"IsProber\":true");
      }
      if (appName != null && !appName.isEmpty()) {
        sb.append(",\"AppName\":");
        try {
          sb.append(JSON.writeValueAsString(appName));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
      return sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses the JSON, or null when it is not a JSON object or the mesh key is malformed. */
    public static ClientInfo parse(byte[] json) {
      JsonNode n = tree(json);
      if (n == null) {
        return null;
      }
      byte[] mesh = null;
      JsonNode mk = n.get("meshKey");
      if (mk != null && mk.isTextual() && !mk.asText().isEmpty()) {
        String s = mk.asText();
        if (s.length() != 64) {
          return null;
        }
        try {
          mesh = HexFormat.of().parseHex(s);
        } catch (IllegalArgumentException e) {
          return null;
        }
      }
      return new ClientInfo(
          mesh,
          n.path("version").asInt(0),
          n.path("CanAckPings").asBoolean(),
          n.path("IsProber").asBoolean(),
          n.path("AppName").asText(""));
    }

    @Override
    public String toString() {
      return "ClientInfo[mesh="
          + (meshKey != null)
          + ", version="
          + version
          + ", canAckPings="
          + canAckPings
          + ", prober="
          + isProber
          + ", app="
          + appName
          + "]";
    }
  }

  /** What the server says after the handshake. */
  public record ServerInfo(
      int version, long tokenBucketBytesPerSecond, long tokenBucketBytesBurst) {
    public byte[] toJson() {
      StringBuilder sb = new StringBuilder("{");
      String sep = "";
      if (version != 0) {
        sb.append("\"version\":").append(version);
        sep = ",";
      }
      if (tokenBucketBytesPerSecond != 0) {
        sb.append(sep).append("\"TokenBucketBytesPerSecond\":").append(tokenBucketBytesPerSecond);
        sep = ",";
      }
      if (tokenBucketBytesBurst != 0) {
        sb.append(sep).append("\"TokenBucketBytesBurst\":").append(tokenBucketBytesBurst);
      }
      return sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    public static ServerInfo parse(byte[] json) {
      JsonNode n = tree(json);
      if (n == null) {
        return null;
      }
      return new ServerInfo(
          n.path("version").asInt(0),
          n.path("TokenBucketBytesPerSecond").asLong(0),
          n.path("TokenBucketBytesBurst").asLong(0));
    }
  }

  private static JsonNode tree(byte[] json) {
    try {
      JsonNode n = JSON.readTree(json);
      return n != null && n.isObject() ? n : null;
    } catch (Exception e) {
      return null;
    }
  }
}
