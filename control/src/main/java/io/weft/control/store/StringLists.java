package io.weft.control.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/** Lists of strings (tags, endpoints) in one TEXT column, as a JSON array. */
final class StringLists {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<List<String>> TYPE = new TypeReference<>() {};

  private StringLists() {}

  static String encode(List<String> list) {
    try {
      return JSON.writeValueAsString(list);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<String> decode(String text) {
    try {
      return List.copyOf(JSON.readValue(text, TYPE));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("corrupt list column", e);
    }
  }
}
