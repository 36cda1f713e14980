package io.weft.agent.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Every case of {@link WireGuardGoInteropIT} against Debian 13's wireguard-go (package
 * 0.0.20231211, with TUN TSO/GRO and UDP GSO/GRO: what current distributions ship). The binary is
 * {@code $WEFT_WIREGUARD_GO_13}, else {@code target/wireguard-go-debian13/wireguard-go} under the
 * repository root, where {@code ../shared/tools/wireguard-go-debian13.sh} puts it without
 * installing it; {@code .ci/run} fetches it.
 */
class WireGuardGoDebian13InteropIT extends WireGuardGoInteropIT {
  static Path binary() {
    String env = System.getenv("WEFT_WIREGUARD_GO_13");
    if (env != null && !env.isBlank()) {
      return Path.of(env).toAbsolutePath();
    }
    Path root = Path.of(System.getenv().getOrDefault("WEFT_REPO_ROOT", ".."));
    return root.resolve("target/wireguard-go-debian13/wireguard-go").toAbsolutePath();
  }

  @Override
  String wireGuardGo() {
    return binary().toString();
  }

  @Override
  void requireWireGuardGo() {
    Path bin = binary();
    if (!Files.isExecutable(bin)) {
      Prerequisites.unmet(
          "Debian 13's wireguard-go at "
              + bin
              + " (set WEFT_WIREGUARD_GO_13, or run ../shared/tools/wireguard-go-debian13.sh"
              + " target/wireguard-go-debian13)");
    }
    // The binary must be the offload-capable build, not Debian 12's package copied in: 0.0.20231211
    // reports 0.0.20230223 (its version string was not bumped), 0.0.20220316 reports itself.
    try {
      Process p = new ProcessBuilder(bin.toString(), "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(out).as("%s --version", bin).contains("wireguard-go v0.0.2023");
    } catch (Exception e) {
      throw new AssertionError("cannot run " + bin + " --version", e);
    }
  }
}
