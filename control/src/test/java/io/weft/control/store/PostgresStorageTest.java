package io.weft.control.store;

import org.junit.jupiter.api.BeforeAll;

/**
 * The storage contract on PostgreSQL. Needs a server at {@link TestPostgres#URL}; skipped with the
 * reason on a developer machine without one, failed under {@code CI=true}.
 */
class PostgresStorageTest extends StorageContract {
  @BeforeAll
  static void requirePostgres() {
    TestPostgres.require();
  }

  @Override
  protected Database open() throws Exception {
    TestPostgres.resetSchema();
    return TestPostgres.open();
  }

  @Override
  protected Database reopen() throws Exception {
    return TestPostgres.open();
  }
}
