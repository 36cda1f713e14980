package io.weft.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.agent.backend.Backend;
import io.weft.agent.backend.BackendState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code weft status} for people: a header, then an aligned row per peer. */
class StatusPrinterTest {
  static final long NOW = 1_800_000_000_000L;

  @Test
  void shouldPrintOneAlignedRowPerPeer() {
    Backend.Status s =
        new Backend.Status(
            BackendState.RUNNING,
            "alpha",
            "KEY=",
            List.of("100.64.0.1/32", "fd7a:115c:a1e0::1/128"),
            41641,
            true,
            null,
            null,
            7,
            List.of(
                new Backend.PeerStatus(
                    2,
                    "bravo",
                    "B=",
                    List.of("100.64.0.2/32", "fd7a:115c:a1e0::2/128"),
                    "192.0.2.7:41641",
                    true,
                    NOW - 12_000,
                    5 * 1024 * 1024,
                    1536),
                new Backend.PeerStatus(
                    3, "charlie-long-name", "C=", List.of("100.64.0.3/32"), null, false, 0, 0, 0)));
    String text = StatusPrinter.format(s, NOW);
    List<String> lines = text.lines().toList();
    assertThat(lines)
        .contains(
            "state:    RUNNING",
            "hostname: alpha",
            "address:  100.64.0.1/32, fd7a:115c:a1e0::1/128",
            "control:  connected (map version 7)");
    int header =
        lines.indexOf(lines.stream().filter(l -> l.startsWith("PEER")).findFirst().orElseThrow());
    String bravo = lines.get(header + 1);
    String charlie = lines.get(header + 2);
    assertThat(bravo)
        .startsWith("bravo ")
        .contains("192.0.2.7:41641")
        .contains("12s ago")
        .contains("5.0 MiB")
        .contains("1.5 KiB")
        .endsWith("yes");
    assertThat(charlie)
        .startsWith("charlie-long-name")
        .contains(" - ")
        .contains("never")
        .endsWith("no");
    // Columns line up: each column starts where its header does.
    for (String column : List.of("ADDRESSES", "ENDPOINT", "LAST HANDSHAKE", "RX")) {
      int at = lines.get(header).indexOf(column);
      assertThat(bravo.charAt(at - 1)).as(column).isEqualTo(' ');
      assertThat(bravo.charAt(at)).as(column).isNotEqualTo(' ');
      assertThat(charlie.charAt(at)).as(column).isNotEqualTo(' ');
    }
  }

  @Test
  void shouldSaySoWhenThereIsNothingToShow() {
    Backend.Status s =
        new Backend.Status(
            BackendState.NOT_LOGGED_IN,
            null,
            null,
            List.of(),
            0,
            false,
            null,
            "logged out",
            -1,
            List.of());
    assertThat(StatusPrinter.format(s, NOW))
        .isEqualTo("state:    NOT_LOGGED_IN\nerror:    logged out\npeers:    none\n");
  }

  @Test
  void shouldPrintNoControlCharacterTheServerSent() {
    // A peer named to clear the screen and forge a line; an error and an endpoint carrying escapes.
    String evil = "mallory\u001b[2J\r\nstate:    RUNNING\u001b]0;x\u0007";
    Backend.Status s =
        new Backend.Status(
            BackendState.RUNNING,
            "alpha",
            "KEY=",
            List.of("100.64.0.1/32"),
            1,
            true,
            "https://login/\u001b[1A",
            "refused: \u001b[31mred",
            3,
            List.of(
                new Backend.PeerStatus(
                    2,
                    evil,
                    "B=",
                    List.of("100.64.0.2/32"),
                    "192.0.2.7:1\u001b[K",
                    true,
                    0,
                    0,
                    0)));
    String text = StatusPrinter.format(s, NOW);
    assertThat(text.chars().filter(c -> c < 0x20 && c != '\n')).isEmpty();
    assertThat(text).contains("mallory[2Jstate:    RUNNING]0;x").contains("refused: [31mred");
    assertThat(text.lines().filter(l -> l.startsWith("state:"))).hasSize(1);
  }
}
