package io.weft.dist.deb;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.Prerequisites;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code weft.deb} built in the package phase (jdeb): what it declares, that its unpacked tree
 * runs {@code weft version} with this machine's Java 25, and, as root, that it installs with dpkg
 * into a throw-away copy of this Debian (an overlay over / in a private mount namespace), where the
 * coordination server starts as the unit starts it (user weft, umask 077) and answers on loopback,
 * so does the relay, {@code systemd-analyze verify} accepts the installed units, a reinstall keeps
 * one weft user and a purge leaves neither user nor launcher.
 */
class DebPackageIT {
  @TempDir Path temp;

  static Path deb() {
    Path deb = Path.of("target/weft.deb");
    String root = System.getenv("WEFT_REPO_ROOT");
    if (!Files.exists(deb) && root != null) {
      deb = Path.of(root, "dist/target/weft.deb");
    }
    assertThat(deb).as("the .deb (built in the package phase)").exists();
    return deb.toAbsolutePath();
  }

  record Run(int exit, String out) {}

  static Run run(Map<String, String> env, long timeoutSeconds, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
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
    assertThat(exited)
        .as("%s finished within %d s; output:%n%s", List.of(command), timeoutSeconds, text)
        .isTrue();
    return new Run(p.exitValue(), text);
  }

  static Run run(String... command) throws Exception {
    return run(Map.of(), 60, command);
  }

  @Test
  void shouldDeclareThePackageItsConffilesAndItsFiles() throws Exception {
    Prerequisites.requireTools("dpkg-deb");
    Run info = run("dpkg-deb", "--info", deb().toString());
    assertThat(info.exit()).as(info.out()).isZero();
    assertThat(info.out())
        .contains("Package: weft")
        .containsPattern("Version: 0\\.1\\.0")
        .contains("Architecture: all")
        .contains("Depends: adduser")
        .contains("Recommends: openjdk-25-jre-headless | temurin-25-jre | temurin-25-jdk")
        .contains("postinst", "prerm", "postrm", "conffiles");
    Run conffiles = run("dpkg-deb", "--ctrl-tarfile", deb().toString());
    assertThat(conffiles.exit()).isZero();
    Path ctrl = Files.createDirectory(temp.resolve("ctrl"));
    Run unpack = run("dpkg-deb", "--control", deb().toString(), ctrl.toString());
    assertThat(unpack.exit()).as(unpack.out()).isZero();
    assertThat(Files.readAllLines(ctrl.resolve("conffiles")))
        .containsExactlyInAnyOrder(
            "/etc/default/weft", "/etc/default/weft-control", "/etc/default/weft-relay");

    Run contents = run("dpkg-deb", "--contents", deb().toString());
    assertThat(contents.exit()).as(contents.out()).isZero();
    List<String> lines = contents.out().lines().toList();
    assertThat(lines)
        .anySatisfy(
            l -> assertThat(l).startsWith("-rwxr-xr-x root/root").endsWith(" ./usr/bin/weft"));
    for (String f :
        List.of(
            "./usr/share/weft/weft.jar",
            "./usr/share/weft/weft-control.jar",
            "./usr/share/weft/find-jdk.sh",
            "./lib/systemd/system/weft.service",
            "./lib/systemd/system/weft-control.service",
            "./lib/systemd/system/weft-relay.service",
            "./etc/default/weft",
            "./usr/share/doc/weft/copyright",
            "./usr/share/doc/weft/RUNNING.md")) {
      assertThat(lines)
          .as("contents")
          .anySatisfy(l -> assertThat(l).startsWith("-rw-r--r-- root/root").endsWith(" " + f));
    }
    assertThat(lines)
        .as("nothing but root-owned files")
        .allSatisfy(l -> assertThat(l).contains(" root/root "));
  }

  @Test
  void shouldRunWeftVersionAndTheControlCliFromTheUnpackedTree() throws Exception {
    Prerequisites.requireTools("dpkg-deb");
    Path tree = Files.createDirectory(temp.resolve("tree"));
    Run x = run("dpkg-deb", "-x", deb().toString(), tree.toString());
    assertThat(x.exit()).as(x.out()).isZero();
    // The launcher finds Java 25 itself: this JVM's home through JAVA_HOME, as an operator sets it.
    Map<String, String> env = Map.of("JAVA_HOME", System.getProperty("java.home"));
    String weft = tree.resolve("usr/bin/weft").toString();
    Run version = run(env, 60, weft, "version");
    assertThat(version.exit()).as(version.out()).isZero();
    assertThat(version.out()).containsPattern("^weft 0\\.1\\.0\\S* \\(Java 25");
    Run control = run(env, 60, weft, "control", "serve", "--help");
    assertThat(control.exit()).as(control.out()).isZero();
    assertThat(control.out()).contains("--data-dir");
  }

  @Test
  void shouldRefuseClearlyWithoutJava25() throws Exception {
    Prerequisites.requireTools("dpkg-deb");
    Path tree = Files.createDirectory(temp.resolve("tree"));
    assertThat(run("dpkg-deb", "-x", deb().toString(), tree.toString()).exit()).isZero();
    // JAVA_HOME empty, PATH with only Debian 12's Java 17, and /usr/lib/jvm/* pointed elsewhere:
    // the launcher must refuse and say what to install.
    Path empty = Files.createDirectory(temp.resolve("empty"));
    Run r =
        run(
            Map.of("JAVA_HOME", empty.toString(), "PATH", "/usr/bin:/bin"),
            60,
            "/bin/sh",
            "-c",
            "sed 's#/usr/lib/jvm/\\*#"
                + empty
                + "/*#' "
                + tree.resolve("usr/share/weft/find-jdk.sh")
                + " > "
                + tree.resolve("usr/share/weft/find-jdk.sh.t")
                + " && mv "
                + tree.resolve("usr/share/weft/find-jdk.sh.t")
                + " "
                + tree.resolve("usr/share/weft/find-jdk.sh")
                + " && exec /bin/sh "
                + tree.resolve("usr/bin/weft")
                + " version");
    assertThat(r.exit()).as(r.out()).isEqualTo(1);
    assertThat(r.out()).contains("no JDK 25 or newer found").contains("temurin-25");
  }

  @Test
  void shouldPassSystemdAnalyzeVerifyFromTheSourceTree() throws Exception {
    // Needs no root: the units as written, with ExecStart pointing at the launcher in the source
    // tree (verify insists the command exists). The installed units are verified as root below.
    Prerequisites.requireTools("systemd-analyze");
    Path launcher =
        Path.of(System.getenv().getOrDefault("WEFT_REPO_ROOT", ".."), "dist/src/deb/bin/weft");
    if (!Files.exists(launcher)) {
      launcher = Path.of("src/deb/bin/weft");
    }
    Path units = Path.of("src/deb/systemd");
    if (!Files.isDirectory(units)) {
      units = Path.of(System.getenv("WEFT_REPO_ROOT"), "dist/src/deb/systemd");
    }
    Path dir = Files.createDirectory(temp.resolve("units"));
    List<String> cmd = new ArrayList<>(List.of("systemd-analyze", "verify"));
    for (String u : List.of("weft.service", "weft-control.service", "weft-relay.service")) {
      String text =
          Files.readString(units.resolve(u))
              .replace(
                  "ExecStart=/usr/bin/weft ",
                  "ExecStart=" + launcher.toAbsolutePath().normalize() + " ");
      Files.writeString(dir.resolve(u), text);
      cmd.add(dir.resolve(u).toString());
    }
    Run r = run(cmd.toArray(String[]::new));
    assertThat(r.exit()).as("systemd-analyze verify; output:%n%s", r.out()).isZero();
    assertThat(r.out()).as("no warning either").isEmpty();
  }

  @Test
  void shouldInstallIntoAThrowAwayDebianAndPassSystemdAnalyzeVerify() throws Exception {
    Prerequisites.requireRootAndTools(
        "unshare", "chroot", "mount", "dpkg", "systemd-analyze", "setpriv", "curl");
    Path script = temp.resolve("install-in-overlay.sh");
    try (InputStream in = DebPackageIT.class.getResourceAsStream("install-in-overlay.sh")) {
      Files.copy(in, script);
    }
    Path work = Files.createDirectory(temp.resolve("overlay"));
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "unshare",
                "--mount",
                "--fork",
                "/bin/sh",
                script.toString(),
                deb().toString(),
                work.toString()));
    Run r = run(Map.of(), 180, cmd.toArray(String[]::new));
    String out = r.out();
    assertThat(r.exit()).as("exit status; output:%n%s", out).isZero();
    assertThat(out)
        .containsPattern("STEP version\\nweft 0\\.1\\.0\\S* \\(Java 25")
        .containsPattern("key: \\{.*\"publicKey\":\"[A-Za-z0-9+/]{43}=\"")
        .contains("weft 600 control.key", "weft 600 admin.token", "weft 600 weft-control.db")
        .contains("serve stopped")
        .containsPattern("relay \\S+ serving http")
        .contains("weft 600 /var/lib/weft-relay/relay.key", "relay stopped")
        .containsPattern(
            "STEP user\\nweft:x:\\d+:\\d+:[^:]*:/var/lib/weft-control:/usr/sbin/nologin")
        .contains("users named weft: 1")
        .as("an edited conffile survives a reinstall")
        .contains("local edit kept")
        .contains("/etc/default/weft ", "/etc/default/weft-control ", "/etc/default/weft-relay ")
        .contains("verify exit 0")
        .contains("STEP done")
        .doesNotContain("weft user still there")
        .doesNotContain("/usr/bin/weft still there");
    String verify = out.substring(out.indexOf("STEP verify"), out.indexOf("verify exit 0"));
    assertThat(verify)
        .as("systemd-analyze verify says nothing about the units")
        .isEqualTo("STEP verify\n");
    System.out.println(out.substring(out.indexOf("STEP security")));
  }
}
