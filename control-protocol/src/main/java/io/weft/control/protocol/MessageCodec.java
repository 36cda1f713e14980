package io.weft.control.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Frames messages as a 4-byte big-endian length then UTF-8 JSON. Unknown JSON fields are ignored so
 * that a newer peer's additions do not break an older one; an unknown {@code type} is an error.
 */
public final class MessageCodec {
  /** The shared mapper: nulls omitted, unknown properties ignored. */
  public static final ObjectMapper JSON =
      JsonMapper.builder()
          .defaultPropertyInclusion(
              JsonInclude.Value.construct(
                  JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .build();

  private MessageCodec() {}

  /** The JSON of {@code m} (with its {@code type}). */
  public static byte[] encode(Message m) throws IOException {
    return JSON.writerFor(Message.class).writeValueAsBytes(m);
  }

  /**
   * Parses one message's JSON.
   *
   * @throws IOException (a {@link com.fasterxml.jackson.core.JacksonException}) for anything that
   *     is not a message; no unchecked exception escapes
   */
  public static Message decode(byte[] json) throws IOException {
    try {
      return JSON.readValue(json, Message.class);
    } catch (RuntimeException e) {
      throw new Malformed(e);
    }
  }

  /** Input that failed in a way the JSON library did not report as malformed. */
  public static final class Malformed extends JsonProcessingException {
    Malformed(RuntimeException cause) {
      super("malformed message: " + cause.getClass().getSimpleName(), cause);
    }
  }

  /**
   * Writes one framed message (without flushing).
   *
   * @throws IOException without writing anything when the message exceeds {@link
   *     Protocol#MAX_MESSAGE_BYTES}, which the peer would refuse
   */
  public static void write(OutputStream out, Message m) throws IOException {
    byte[] json = encode(m);
    if (json.length > Protocol.MAX_MESSAGE_BYTES) {
      throw new IOException(
          "a "
              + m.getClass().getSimpleName()
              + " of "
              + json.length
              + " bytes exceeds the frame limit of "
              + Protocol.MAX_MESSAGE_BYTES);
    }
    out.write(
        new byte[] {
          (byte) (json.length >>> 24),
          (byte) (json.length >>> 16),
          (byte) (json.length >>> 8),
          (byte) json.length
        });
    out.write(json);
  }

  /**
   * Reads one framed message.
   *
   * @throws EOFException at a clean end of stream before a frame
   */
  public static Message read(InputStream in) throws IOException {
    byte[] header = in.readNBytes(4);
    if (header.length == 0) {
      throw new EOFException("end of stream");
    }
    if (header.length < 4) {
      throw new EOFException("truncated frame header");
    }
    int len =
        ((header[0] & 0xff) << 24)
            | ((header[1] & 0xff) << 16)
            | ((header[2] & 0xff) << 8)
            | (header[3] & 0xff);
    if (len < 0 || len > Protocol.MAX_MESSAGE_BYTES) {
      throw new IOException(
          "message of " + Integer.toUnsignedString(len) + " bytes exceeds the limit");
    }
    byte[] json = in.readNBytes(len);
    if (json.length != len) {
      throw new EOFException("truncated message");
    }
    return decode(json);
  }
}
