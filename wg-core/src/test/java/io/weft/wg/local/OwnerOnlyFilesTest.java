package io.weft.wg.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.testing.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OwnerOnlyFilesTest {
  @TempDir Path tmp;

  @Test
  void shouldWriteASecretOwnerOnlyReplacingTheOldOneAndLeavingNoTemporaryFile() throws Exception {
    Path f = tmp.resolve("key");
    OwnerOnlyFiles.writeSecret(f, "one\n".getBytes(StandardCharsets.US_ASCII));
    OwnerOnlyFiles.writeSecret(f, "two\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(f).hasContent("two");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
        .isEqualTo("rw-------");
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("key");
    }
  }

  @Test
  void shouldNotWriteThroughAFilePlantedAtTheTemporaryName() throws Exception {
    // The temporary file is created O_EXCL under a random name and written through that descriptor:
    // whatever sits at a predictable name is neither followed nor written.
    Path f = tmp.resolve("key");
    Path planted = tmp.resolve("planted");
    Files.createSymbolicLink(tmp.resolve("key.tmp"), planted);
    OwnerOnlyFiles.writeSecret(f, "secret\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(planted).doesNotExist();
    assertThat(f).hasContent("secret");
  }

  @Test
  void shouldCreateAPrivateDirectoryAndRefuseOneOthersMayWrite() throws Exception {
    Path d = tmp.resolve("state");
    OwnerOnlyFiles.openPrivateDirectory(d, "state directory");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d)))
        .isEqualTo("rwx------");
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwx---"));
    assertThatThrownBy(() -> OwnerOnlyFiles.openPrivateDirectory(d, "state directory"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("state directory")
        .hasMessageContaining("group")
        .hasMessageContaining("chmod go-w");
  }

  @Test
  void shouldRefuseADirectoryAnotherUserOwns() throws Exception {
    if (OwnerOnlyFiles.currentUid() != 0) {
      Prerequisites.unmet("needs root to give a directory to another user");
    }
    Path d = Files.createDirectory(tmp.resolve("theirs"));
    Files.setAttribute(d, "unix:uid", 65534);
    assertThatThrownBy(() -> OwnerOnlyFiles.openPrivateDirectory(d, "state directory"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("owned by uid 65534");
    assertThatThrownBy(() -> OwnerOnlyFiles.checkDirectory(d, "socket directory", true))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("owned by uid 65534");
  }
}
