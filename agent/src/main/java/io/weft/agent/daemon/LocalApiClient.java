package io.weft.agent.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;

/** The CLI's side of the {@link LocalApiServer} protocol: one connection, requests in turn. */
public final class LocalApiClient implements AutoCloseable {
  /** Where the daemon listens unless {@code --socket} or {@code WEFT_SOCKET} says otherwise. */
  public static final Path DEFAULT_SOCKET = Path.of("/var/run/weft/weftd.sock");

  private final SocketChannel channel;
  private final OutputStream out;
  private final BufferedReader in;

  private LocalApiClient(SocketChannel channel) {
    this.channel = channel;
    this.out = Channels.newOutputStream(channel);
    this.in =
        new BufferedReader(
            new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
  }

  /** {@code --socket}, else {@code $WEFT_SOCKET}, else {@link #DEFAULT_SOCKET}. */
  public static Path socketPath(Path option) {
    if (option != null) {
      return option;
    }
    String env = System.getenv("WEFT_SOCKET");
    return env == null || env.isEmpty() ? DEFAULT_SOCKET : Path.of(env);
  }

  /** Connects to the daemon at {@code socket}. */
  public static LocalApiClient connect(Path socket) throws IOException {
    try {
      return new LocalApiClient(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
    } catch (IOException e) {
      String why = e.getMessage() == null ? e.toString() : e.getMessage();
      throw new IOException(
          "cannot reach the weft daemon at "
              + socket
              + ": "
              + why
              + " (is `weft daemon` running, "
              + "and may this user use it?)",
          e);
    }
  }

  /** A request object for {@code op}. */
  public static ObjectNode request(String op) {
    return LocalApiServer.JSON.createObjectNode().put("op", op);
  }

  /**
   * Sends {@code request}, hands each event line to {@code events} and returns the final line
   * (check its {@code ok}).
   */
  public JsonNode call(ObjectNode request, Consumer<JsonNode> events) throws IOException {
    return callRaw(LocalApiServer.JSON.writeValueAsString(request), events);
  }

  /** Sends one raw request line (tests send malformed ones) and returns the final answer. */
  public JsonNode callRaw(String line, Consumer<JsonNode> events) throws IOException {
    try {
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      // The daemon may have answered and closed before reading (a refused caller): its answer
      // is still waiting to be read.
      String answer =
          in.readLine(); // the write failed because the daemon closed: this cannot block
      if (answer == null) {
        throw e;
      }
      return LocalApiServer.JSON.readTree(answer);
    }
    while (true) {
      String answer = in.readLine();
      if (answer == null) {
        throw new IOException("the weft daemon closed the connection");
      }
      JsonNode n = LocalApiServer.JSON.readTree(answer);
      if (n.has("ok")) {
        return n;
      }
      events.accept(n);
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
