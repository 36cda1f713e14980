package io.weft.derp.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.derp.wire.FrameType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Per-client receive rate limit, in derper's {@code --rate-config} JSON ({@code derpserver.go}:532
 * RateConfig): {@code {"PerClientRateLimitBytesPerSec":N, "PerClientRateBurstBytes":M}}. Zero rate
 * disables limiting; the burst is raised to one full SendPacket (64 KiB + 32) so every frame fits.
 * Mesh peers are exempt.
 */
public record RateConfig(long bytesPerSecond, long burstBytes) {
  /** The smallest burst: one maximal SendPacket body. */
  public static final long MIN_BURST = FrameType.MAX_PACKET_SIZE + FrameType.KEY_LENGTH;

  /** No limit. */
  public static final RateConfig NONE = new RateConfig(0, 0);

  public RateConfig {
    if (bytesPerSecond < 0 || burstBytes < 0) {
      throw new IllegalArgumentException("rate config: negative values");
    }
    if (bytesPerSecond == 0) {
      burstBytes = 0;
    } else {
      burstBytes = Math.max(burstBytes, MIN_BURST);
    }
  }

  public boolean enabled() {
    return bytesPerSecond > 0;
  }

  /** Reads derper's JSON form. */
  public static RateConfig load(Path p) throws IOException {
    JsonNode n = new ObjectMapper().readTree(Files.readString(p));
    if (n == null || !n.isObject()) {
      throw new IOException(p + ": not a JSON object");
    }
    return new RateConfig(
        n.path("PerClientRateLimitBytesPerSec").asLong(0),
        n.path("PerClientRateBurstBytes").asLong(0));
  }
}
