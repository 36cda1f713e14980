package io.weft.control.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.weft.wg.conn.RelayMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Reads a relay map file in Tailscale's {@code DERPMap} JSON shape ({@code weft control serve
 * --relay-map FILE}) and checks what a node needs of it; every refusal names the file and the field
 * ({@code Regions.1.Nodes[0].HostName}).
 */
public final class RelayMapFile {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .build();
  private static final long MAX_BYTES = 1 << 20;

  private RelayMapFile() {}

  /** The map in {@code file}; {@link IOException} with file and field on anything wrong. */
  public static RelayMap read(Path file) throws IOException {
    if (Files.size(file) > MAX_BYTES) {
      throw new IOException(file + ": larger than 1 MiB");
    }
    RelayMap m;
    try {
      m = JSON.readValue(Files.readAllBytes(file), RelayMap.class);
    } catch (JsonMappingException e) {
      String field = e.getPath().isEmpty() ? "(top level)" : path(e);
      throw new IOException(
          file
              + ": "
              + field
              + ": "
              + e.getOriginalMessage().lines().findFirst().orElse("invalid"));
    } catch (JsonProcessingException e) {
      throw new IOException(file + ": not JSON (line " + e.getLocation().getLineNr() + ")");
    }
    if (m == null || m.regions().isEmpty()) {
      throw new IOException(file + ": Regions: no region");
    }
    Set<Integer> ids = new HashSet<>();
    for (RelayMap.Region r : m.regions()) {
      String at = "Regions." + r.id();
      if (r.id() <= 0 || !ids.add(r.id())) {
        throw new IOException(file + ": " + at + ".RegionID: must be a unique positive number");
      }
      if (r.relays().isEmpty()) {
        throw new IOException(file + ": " + at + ".Nodes: no node");
      }
      for (int i = 0; i < r.relays().size(); i++) {
        RelayMap.Relay n = r.relays().get(i);
        String nat = at + ".Nodes[" + i + "]";
        if (n.name() == null || n.name().isBlank()) {
          throw new IOException(file + ": " + nat + ".Name: missing");
        }
        if (n.hostName() == null || n.hostName().isBlank()) {
          throw new IOException(file + ": " + nat + ".HostName: missing");
        }
        if (n.regionId() != r.id()) {
          throw new IOException(
              file + ": " + nat + ".RegionID: " + n.regionId() + " in region " + r.id());
        }
        if (n.relayPort() < 1 || n.relayPort() > 65535) {
          throw new IOException(file + ": " + nat + ".DERPPort: out of range");
        }
        if (n.stunPort() < 0 || n.stunPort() > 65535) {
          throw new IOException(file + ": " + nat + ".STUNPort: out of range");
        }
      }
    }
    return m;
  }

  private static String path(JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (!b.isEmpty()) {
          b.append('.');
        }
        b.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }
}
