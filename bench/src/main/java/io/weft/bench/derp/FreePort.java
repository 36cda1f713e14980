package io.weft.bench.derp;

import java.net.InetAddress;
import java.net.ServerSocket;

/** Prints a free TCP port on loopback (for the side-by-side script). */
public final class FreePort {
  public static void main(String[] a) throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      System.out.println(s.getLocalPort());
    }
  }
}
