package io.weft.tun.io;

import java.util.Locale;

/** The operating system this JVM runs on, as far as native constants are concerned. */
public enum Os {
  LINUX,
  DARWIN,
  WINDOWS,
  OTHER;

  /** The host's OS. */
  public static final Os CURRENT = of(System.getProperty("os.name", ""));

  /** Classifies an {@code os.name} value. */
  public static Os of(String osName) {
    final String n = osName.toLowerCase(Locale.ROOT);
    if (n.startsWith("linux")) {
      return LINUX;
    }
    if (n.startsWith("mac") || n.startsWith("darwin")) {
      return DARWIN;
    }
    if (n.startsWith("windows")) {
      return WINDOWS;
    }
    return OTHER;
  }
}
