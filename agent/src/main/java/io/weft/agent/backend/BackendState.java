package io.weft.agent.backend;

/** Where a {@link Backend} is; listeners see every transition. */
public enum BackendState {
  /** No valid registration: needs {@code weft up} with a pre-auth key or an interactive login. */
  NOT_LOGGED_IN,
  /** Talking to the coordination server, or waiting for the user to open the login URL. */
  LOGGING_IN,
  /**
   * Registered with the data plane up. Stays so while the coordination server is unreachable: the
   * device keeps the last map ({@link Backend.Status#controlConnected()} says whether the server is
   * reachable).
   */
  RUNNING,
  /** Stopped for good: the device and the control connection are closed. */
  STOPPED
}
