package io.weft.control.store;

import java.sql.SQLException;

/** A storage failure that the caller cannot repair; the transaction was rolled back. */
public final class StoreException extends RuntimeException {
  StoreException(SQLException cause) {
    super(cause.getMessage(), cause);
  }

  StoreException(String message) {
    super(message);
  }
}
