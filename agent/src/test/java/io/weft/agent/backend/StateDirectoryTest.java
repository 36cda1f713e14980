package io.weft.agent.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirectoryTest {
  @TempDir Path tmp;

  @Test
  void shouldCreateThreeDistinctKeysOwnerOnlyAndKeepThemAcrossStarts() throws Exception {
    Path dir = tmp.resolve("state");
    StateDirectory first = new StateDirectory(dir, new SecureRandom());
    String machine = first.machineKey().publicKey().toBase64();
    String node = first.nodeKey().publicKey().toBase64();
    String disco = first.discoKey().publicKey().toBase64();
    assertThat(java.util.Set.of(machine, node, disco)).hasSize(3);
    for (String f :
        new String[] {
          StateDirectory.MACHINE_KEY, StateDirectory.NODE_KEY, StateDirectory.DISCO_KEY
        }) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(f))))
          .isEqualTo("rw-------");
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");
    StateDirectory again = new StateDirectory(dir, new SecureRandom());
    assertThat(again.machineKey().publicKey().toBase64()).isEqualTo(machine);
    assertThat(again.nodeKey().publicKey().toBase64()).isEqualTo(node);
    assertThat(again.discoKey().publicKey().toBase64()).isEqualTo(disco);
  }

  @Test
  void shouldNarrowAKeyFileOthersCouldRead() throws Exception {
    StateDirectory d = new StateDirectory(tmp, new SecureRandom());
    String pub = d.nodeKey().publicKey().toBase64();
    Files.setPosixFilePermissions(
        tmp.resolve(StateDirectory.NODE_KEY), PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(d.nodeKey().publicKey().toBase64()).isEqualTo(pub);
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(tmp.resolve(StateDirectory.NODE_KEY))))
        .isEqualTo("rw-------");
  }

  @Test
  void shouldRememberARegistrationUntilCleared() throws Exception {
    StateDirectory d = new StateDirectory(tmp, new SecureRandom());
    assertThat(d.registered()).isFalse();
    d.setRegistered(true);
    assertThat(new StateDirectory(tmp, new SecureRandom()).registered()).isTrue();
    d.setRegistered(false);
    assertThat(d.registered()).isFalse();
  }

  @Test
  void shouldPinTheServerKeyOwnerOnlyUntilForgotten() throws Exception {
    StateDirectory d = new StateDirectory(tmp, new SecureRandom());
    assertThat(d.serverKey()).isNull();
    NoisePublicKey k = NoisePrivateKey.generate(new SecureRandom()).publicKey();
    d.pinServerKey(k);
    assertThat(new StateDirectory(tmp, new SecureRandom()).serverKey()).isEqualTo(k);
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(tmp.resolve(StateDirectory.SERVER_KEY))))
        .isEqualTo("rw-------");
    d.forgetServerKey();
    assertThat(d.serverKey()).isNull();
  }

  @Test
  void shouldRefuseAStateDirectoryOthersMayWrite() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("open"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThatThrownBy(() -> new StateDirectory(dir, new SecureRandom()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("state directory")
        .hasMessageContaining("writable by others");
  }
}
