package io.weft.dist.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.testing.Prerequisites;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCI image Jib writes with {@code -Poci} ({@code dist/target/weft-oci.tar}, an OCI layout):
 * its config runs as user 65532 with the coordination server as the command, and its layers,
 * unpacked in order and entered with chroot as that user, start the server's and the node's CLI on
 * the image's own Java runtime (nothing from the host but the kernel and /proc).
 */
class OciImageIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path temp;

  static Path tar() {
    Path tar = Path.of("target/weft-oci.tar");
    String root = System.getenv("WEFT_REPO_ROOT");
    if (!Files.exists(tar) && root != null) {
      tar = Path.of(root, "dist/target/weft-oci.tar");
    }
    if (!Files.exists(tar)) {
      Prerequisites.unmet("no dist/target/weft-oci.tar: build with -Poci (./mvnw -Poci verify)");
    }
    return tar.toAbsolutePath();
  }

  static String run(long timeoutSeconds, String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[][] out = new byte[1][];
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try (InputStream in = p.getInputStream()) {
                    out[0] = in.readAllBytes();
                  } catch (IOException e) {
                    out[0] =
                        ("(reading the output failed: " + e + ")").getBytes(StandardCharsets.UTF_8);
                  }
                });
    boolean exited = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    reader.join(TimeUnit.SECONDS.toMillis(10));
    String text = out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8);
    assertThat(exited).as("%s finished; output:%n%s", List.of(command), text).isTrue();
    assertThat(p.exitValue()).as("%s exit status; output:%n%s", List.of(command), text).isZero();
    return text;
  }

  static JsonNode blob(Path layout, String digest) throws IOException {
    return JSON.readTree(
        layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length())).toFile());
  }

  @Test
  void shouldRunAsAnUnprivilegedUserAndStartBothClisFromItsOwnLayers() throws Exception {
    Prerequisites.requireRootAndTools("tar", "unshare", "chroot", "mount");
    Path layout = Files.createDirectory(temp.resolve("layout"));
    run(60, "tar", "-xf", tar().toString(), "-C", layout.toString());
    JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
    JsonNode manifest = blob(layout, index.get("manifests").get(0).get("digest").asText());
    JsonNode config = blob(layout, manifest.get("config").get("digest").asText()).get("config");
    assertThat(config.get("User").asText()).isEqualTo("65532:65532");
    List<String> command = new ArrayList<>();
    config.get("Entrypoint").forEach(n -> command.add(n.asText()));
    assertThat(command).startsWith("java").endsWith("io.weft.control.cli.ControlCli");
    List<String> cmd = new ArrayList<>();
    config.get("Cmd").forEach(n -> cmd.add(n.asText()));
    assertThat(cmd)
        .containsExactly(
            "serve", "--listen", "0.0.0.0:8080", "--data-dir", "/var/lib/weft-control");

    Path rootfs = Files.createDirectory(temp.resolve("rootfs"));
    for (JsonNode layer : manifest.get("layers")) {
      Path file = layout.resolve("blobs/sha256").resolve(layer.get("digest").asText().substring(7));
      run(60, "tar", "-xzf", file.toString(), "-C", rootfs.toString());
    }
    // The entrypoint's "java" resolves through the image's PATH to its own runtime.
    String java = "/opt/java/bin/java";
    assertThat(rootfs.resolve(java.substring(1))).isExecutable();
    List<String> flags = command.subList(1, command.size() - 1);
    String prefix =
        "mount -t proc proc "
            + rootfs.resolve("proc")
            + " && exec chroot --userspec=65532:65532 "
            + rootfs
            + " "
            + java
            + " "
            + String.join(" ", flags)
            + " ";
    String control =
        run(
            60,
            "unshare",
            "--mount",
            "--fork",
            "/bin/sh",
            "-c",
            prefix + "io.weft.control.cli.ControlCli --version");
    assertThat(control).containsPattern("weft control 0\\.1\\.0\\S* \\(Java 25");
    String node =
        run(
            60,
            "unshare",
            "--mount",
            "--fork",
            "/bin/sh",
            "-c",
            prefix + "io.weft.agent.cli.WeftCli version");
    assertThat(node).containsPattern("weft 0\\.1\\.0\\S* \\(Java 25");
  }
}
