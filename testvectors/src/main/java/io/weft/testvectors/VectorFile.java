package io.weft.testvectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One vector file: its name, the source it was taken from, and its cases.
 *
 * @param name short name, also the resource file name without {@code .json}
 * @param source where the vectors come from (RFC and section)
 * @param cases the cases in file order
 */
public record VectorFile(String name, String source, List<Case> cases) {

  /** The files this module ships. */
  public static final List<String> ALL =
      List.of(
          "x25519-rfc7748",
          "chacha20poly1305-rfc8439",
          "xchacha20poly1305-draft",
          "blake2s-rfc7693",
          "blake2s-keyed",
          "hmac-blake2s",
          "hkdf-blake2s");

  public VectorFile {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(source, "source");
    cases = List.copyOf(cases);
  }

  /** Loads {@code io/weft/testvectors/<name>.json} from the class path. */
  public static VectorFile load(String name) {
    String resource = name + ".json";
    try (InputStream in = VectorFile.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no vector file io/weft/testvectors/" + resource);
      }
      JsonNode root = new ObjectMapper().readTree(in);
      String source = text(root, "source", resource);
      List<Case> cases = new ArrayList<>();
      int index = 0;
      for (JsonNode c : root.path("cases")) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : c.properties()) {
          fields.put(e.getKey(), e.getValue().asText());
        }
        cases.add(new Case(name + "#" + index++, fields));
      }
      if (cases.isEmpty()) {
        throw new IllegalStateException(resource + ": no cases");
      }
      return new VectorFile(name, source, cases);
    } catch (IOException e) {
      throw new UncheckedIOException(resource + ": " + e.getMessage(), e);
    }
  }

  private static String text(JsonNode root, String field, String resource) {
    JsonNode n = root.get(field);
    if (n == null || !n.isTextual()) {
      throw new IllegalStateException(resource + ": missing field '" + field + "'");
    }
    return n.asText();
  }

  /**
   * One case of a vector file.
   *
   * @param id file name and index, for test display names
   * @param fields the raw field values
   */
  public record Case(String id, Map<String, String> fields) {
    public Case {
      fields = Map.copyOf(fields);
    }

    /** A hex field as bytes. */
    public byte[] bytes(String field) {
      return HexFormat.of().parseHex(str(field).replace(" ", ""));
    }

    /** A field as text. */
    public String str(String field) {
      String v = fields.get(field);
      if (v == null) {
        throw new IllegalArgumentException(id + ": no field '" + field + "'");
      }
      return v;
    }

    /** Whether the case has this field. */
    public boolean has(String field) {
      return fields.containsKey(field);
    }

    @Override
    public String toString() {
      return fields.containsKey("comment") ? id + " (" + fields.get("comment") + ")" : id;
    }
  }
}
