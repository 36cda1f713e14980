package io.weft.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.Prerequisites;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code weft genkey|pubkey|genpsk} produce what wg(8) produces and accepts. */
class KeyCommandsTest {

  private static String run(String stdin, String... args) {
    InputStream saved = System.in;
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    try {
      System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.US_ASCII)));
      int rc = WeftCli.run(args, new PrintWriter(out), new PrintWriter(err));
      assertThat(rc).as("exit status of weft %s, stderr: %s", String.join(" ", args), err).isZero();
    } finally {
      System.setIn(saved);
    }
    return out.toString();
  }

  private static String wg(String stdin, String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "wg";
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().write(stdin.getBytes(StandardCharsets.US_ASCII));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("wg %s: %s", String.join(" ", args), out).isZero();
    return out;
  }

  @Test
  void shouldGenerateClampedBase64Keys() {
    for (int i = 0; i < 20; i++) {
      String line = run("", "genkey");
      assertThat(line).endsWith("\n").hasSize(45);
      byte[] k = Base64.getDecoder().decode(line.strip());
      assertThat(k[0] & 7).isZero();
      assertThat(k[31] & 0x80).isZero();
      assertThat(k[31] & 0x40).isEqualTo(0x40);
    }
  }

  @Test
  void shouldMatchWgPubkeyForTwentyRandomKeys() throws Exception {
    Prerequisites.requireTools("wg");
    for (int i = 0; i < 20; i++) {
      String ours = run("", "genkey");
      assertThat(run(ours, "pubkey")).isEqualTo(wg(ours, "pubkey"));
      String theirs = wg("", "genkey");
      assertThat(run(theirs, "pubkey")).isEqualTo(wg(theirs, "pubkey"));
    }
  }

  @Test
  void shouldMatchRfc7748PublicKey() {
    // RFC 7748 §6.1: Alice's private key and public key, in base64.
    String priv =
        Base64.getEncoder()
            .encodeToString(
                java.util.HexFormat.of()
                    .parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    String pub =
        Base64.getEncoder()
            .encodeToString(
                java.util.HexFormat.of()
                    .parseHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
    assertThat(run(priv + "\n", "pubkey").strip()).isEqualTo(pub);
  }

  @Test
  void shouldGeneratePresharedKeysThatWgAccepts() throws Exception {
    String psk = run("", "genpsk");
    assertThat(Base64.getDecoder().decode(psk.strip())).hasSize(32);
    assertThat(run("", "genpsk")).isNotEqualTo(psk);
  }

  @Test
  void shouldRejectGarbageOnPubkeyWithAClearError() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    InputStream saved = System.in;
    try {
      System.setIn(new ByteArrayInputStream("not a key\n".getBytes(StandardCharsets.US_ASCII)));
      int rc = WeftCli.run(new String[] {"pubkey"}, new PrintWriter(out), new PrintWriter(err));
      assertThat(rc).isEqualTo(1);
    } finally {
      System.setIn(saved);
    }
    assertThat(err.toString()).contains("private key").contains("base64");
    assertThat(out.toString()).isEmpty();
  }
}
