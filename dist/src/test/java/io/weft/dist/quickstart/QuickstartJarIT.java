package io.weft.dist.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built {@code weft-quickstart.jar}, started as {@code ./weft quickstart} starts it. */
class QuickstartJarIT {
  @TempDir Path temp;

  static Path jar() {
    Path jar = Path.of("target/weft-quickstart.jar");
    String root = System.getenv("WEFT_REPO_ROOT");
    if (!Files.exists(jar) && root != null) {
      jar = Path.of(root, "dist/target/weft-quickstart.jar");
    }
    assertThat(jar).as("the quickstart jar (built in the package phase)").exists();
    return jar;
  }

  @Test
  void shouldRunEveryStepAndExitZero() throws Exception {
    Path log = temp.resolve("quickstart.log");
    Path work = Files.createDirectory(temp.resolve("work"));
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseParallelGC",
                "-jar",
                jar().toString(),
                "--temp-dir",
                work.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    boolean exited = p.waitFor(120, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(exited).as("finished; output so far:%n%s", out).isTrue();
    assertThat(p.exitValue()).as("exit status; output:%n%s", out).isZero();
    assertThat(out)
        .contains("All known answers match.")
        .contains("bravo has alpha")
        .contains("the hashes match")
        .contains("quickstart: every step passed")
        .doesNotContain("FAILED")
        .as("component logs stay quiet unless --verbose")
        .doesNotContain("INFO");
    try (Stream<Path> left = Files.list(work)) {
      assertThat(left.toList()).isEmpty();
    }
  }

  @Test
  void shouldShipNoTestCode() throws Exception {
    try (JarFile jar = new JarFile(jar().toFile())) {
      assertThat(jar.stream().map(e -> e.getName()))
          .as("test vectors, test support and test libraries stay out of the shipped jar")
          .noneMatch(
              n ->
                  n.startsWith("io/weft/testvectors/")
                      || n.startsWith("io/weft/testing/")
                      || n.startsWith("org/opentest4j/")
                      || n.startsWith("org/junit/")
                      || n.startsWith("org/assertj/"))
          .anyMatch(n -> n.equals("io/weft/wg/crypto/SelfTest.class"));
    }
  }
}
