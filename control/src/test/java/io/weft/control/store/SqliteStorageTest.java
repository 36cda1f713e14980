package io.weft.control.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStorageTest extends StorageContract {
  @TempDir Path dir;

  @Override
  protected Database open() throws Exception {
    return Database.sqlite(dir.resolve("weft.db"));
  }

  @Override
  protected Database reopen() throws Exception {
    return open();
  }

  @Test
  void shouldUseWriteAheadLogging() {
    String mode =
        db.inTransaction(
            c -> {
              try (var s = c.createStatement();
                  var rs = s.executeQuery("PRAGMA journal_mode")) {
                rs.next();
                return rs.getString(1);
              }
            });
    assertThat(mode).isEqualToIgnoringCase("wal");
  }
}
