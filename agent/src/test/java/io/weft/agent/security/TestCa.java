package io.weft.agent.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private CA made with the JDK's keytool (no extra dependency): its certificate as PEM, and
 * PKCS#12 key stores holding server certificates it signed for chosen subject alternative names.
 */
final class TestCa {
  static final String PASSWORD = "changeit";
  private final Path dir;
  final Path caPem;
  private final Path caStore;

  TestCa(Path dir) throws IOException, InterruptedException {
    this.dir = dir;
    caStore = dir.resolve("ca.p12");
    caPem = dir.resolve("ca.pem");
    keytool(
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=Weft Test CA",
        "-ext",
        "bc:c",
        "-validity",
        "2",
        "-keystore",
        caStore.toString());
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        caStore.toString(),
        "-file",
        caPem.toString());
  }

  /** A key store with a key and a chain (leaf, CA) for {@code san} ({@code dns:x,ip:y}). */
  Path serverStore(String name, String san) throws IOException, InterruptedException {
    Path store = dir.resolve(name + ".p12");
    Path csr = dir.resolve(name + ".csr");
    Path crt = dir.resolve(name + ".crt");
    keytool(
        "-genkeypair",
        "-alias",
        "server",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + name,
        "-validity",
        "2",
        "-keystore",
        store.toString());
    keytool("-certreq", "-alias", "server", "-keystore", store.toString(), "-file", csr.toString());
    keytool(
        "-gencert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        caStore.toString(),
        "-infile",
        csr.toString(),
        "-outfile",
        crt.toString(),
        "-validity",
        "2",
        "-ext",
        "san=" + san,
        "-ext",
        "eku=serverAuth");
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "ca",
        "-keystore",
        store.toString(),
        "-file",
        caPem.toString());
    keytool(
        "-importcert", "-alias", "server", "-keystore", store.toString(), "-file", crt.toString());
    return store;
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("keytool timed out: " + cmd);
    }
    if (p.exitValue() != 0) {
      throw new IOException("keytool failed (" + p.exitValue() + "): " + cmd + "\n" + out);
    }
  }

  static String pem(Path p) throws IOException {
    return Files.readString(p);
  }
}
