package io.weft.control.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weft control serve}'s embedded relay and {@code --relay-map}. */
class ServeRelayTest {
  @TempDir Path dir;

  record Served(int exit, String out, String err) {}

  /** Runs serve until {@code until} is in its output (or it exits), then stops it. */
  Served serve(String until, String... extra) throws Exception {
    List<String> args =
        new ArrayList<>(List.of("serve", "--data-dir", dir.toString(), "--listen", "127.0.0.1:0"));
    args.addAll(List.of(extra));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AtomicInteger exit = new AtomicInteger(-1);
    Thread t =
        Thread.ofPlatform()
            .start(
                () ->
                    exit.set(
                        ControlCli.run(
                            args.toArray(String[]::new),
                            new PrintWriter(out),
                            new PrintWriter(err))));
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (t.isAlive() && !out.toString().contains(until) && System.nanoTime() < deadline) {
      t.join(20);
    }
    t.interrupt();
    t.join(60_000);
    assertThat(t.isAlive()).isFalse();
    return new Served(exit.get(), out.toString(), err.toString());
  }

  @Test
  void shouldStartTheEmbeddedRelayByDefaultWithAnOwnerOnlyKey() throws Exception {
    Served s = serve("region 900");
    assertThat(s.out()).contains("weft control: relay ").contains("region 900");
    Path key = dir.resolve(ServeCommand.RELAY_KEY_FILE);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    assertThat(s.out() + s.err()).doesNotContain(Files.readString(key).strip());
  }

  @Test
  void shouldStartNoRelayWithNoRelay() throws Exception {
    Served s = serve("no embedded relay", "--no-relay");
    assertThat(s.out()).contains("no embedded relay").doesNotContain("weft control: relay ");
    assertThat(dir.resolve(ServeCommand.RELAY_KEY_FILE)).doesNotExist();
  }

  @Test
  void shouldRefuseABadRelayMapNamingTheFileAndTheField() throws Exception {
    Path f = dir.resolve("derpmap.json");
    Files.writeString(
        f,
        """
        {"Regions":{"1":{"RegionID":1,"RegionCode":"r1","Nodes":[{"Name":"1a","RegionID":1}]}}}""");
    Served s = serve("-", "--relay-map", f.toString());
    assertThat(s.exit()).isEqualTo(ControlCli.EXIT_USAGE);
    assertThat(s.err()).contains(f.toString()).contains("Regions.1.Nodes[0].HostName");

    Files.writeString(f, "{\"Regions\":{\"1\":{\"RegionID\":\"one\"}}}");
    s = serve("-", "--relay-map", f.toString());
    assertThat(s.exit()).isEqualTo(ControlCli.EXIT_USAGE);
    assertThat(s.err()).contains(f.toString()).contains("RegionID");
  }

  @Test
  void shouldSendTheMapOfARelayMapFile() throws Exception {
    Path f = dir.resolve("derpmap.json");
    Files.writeString(
        f,
        """
        {"Regions":{"7":{"RegionID":7,"RegionCode":"fra","Nodes":[
          {"Name":"7a","RegionID":7,"HostName":"derp.example","DERPPort":8443}]}}}""");
    Served s = serve("regions)", "--relay-map", f.toString(), "--no-relay");
    assertThat(s.out()).contains("relay map from " + f + " (1 regions)");
  }
}
