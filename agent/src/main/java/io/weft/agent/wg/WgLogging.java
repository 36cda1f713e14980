package io.weft.agent.wg;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Log levels as wireguard-go takes them from {@code LOG_LEVEL}: {@code verbose} (debug), {@code
 * error}, {@code silent}; the default is info. Lines go to standard error with a timestamp.
 */
final class WgLogging {
  private WgLogging() {}

  static void configure(String level) {
    Level l =
        switch (level == null ? "" : level.toLowerCase(java.util.Locale.ROOT)) {
          case "verbose", "debug" -> Level.FINE;
          case "error" -> Level.SEVERE;
          case "silent" -> Level.OFF;
          default -> Level.INFO;
        };
    Logger root = Logger.getLogger("");
    for (var h : root.getHandlers()) {
      root.removeHandler(h);
    }
    ConsoleHandler h = new ConsoleHandler();
    h.setLevel(l);
    h.setFormatter(
        new Formatter() {
          @Override
          public String format(LogRecord r) {
            String lvl =
                r.getLevel().intValue() >= Level.SEVERE.intValue()
                    ? "ERROR"
                    : r.getLevel().intValue() >= Level.WARNING.intValue()
                        ? "WARN"
                        : r.getLevel().intValue() >= Level.INFO.intValue() ? "INFO" : "DEBUG";
            return java.time.Instant.ofEpochMilli(r.getMillis())
                + " "
                + lvl
                + " "
                + r.getLoggerName()
                + ": "
                + formatMessage(r)
                + "\n";
          }
        });
    root.addHandler(h);
    root.setLevel(l);
  }
}
