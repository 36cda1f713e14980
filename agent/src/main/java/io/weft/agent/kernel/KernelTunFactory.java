package io.weft.agent.kernel;

import io.weft.agent.backend.TunFactory;
import io.weft.control.protocol.MeshPrefixes;
import io.weft.tun.linux.IpRoute2;
import io.weft.tun.linux.LinuxTun;
import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

/**
 * Kernel mode ({@code weft up --tun=kernel}): a Linux TUN interface carrying the node's mesh
 * addresses as host routes ({@code /32}, {@code /128}), MTU {@value #MTU}, with the whole mesh
 * range routed into it. The interface is not persistent: closing the TUN (on {@code weft down}, or
 * when the process dies) makes the kernel delete it with its addresses and routes. Needs {@code
 * CAP_NET_ADMIN}; runs in the calling thread's network namespace.
 */
public final class KernelTunFactory implements TunFactory {
  private static final System.Logger LOG = System.getLogger(KernelTunFactory.class.getName());

  /** The MTU: leaves room for WireGuard's and the outer IPv6/UDP headers on a 1360-byte path. */
  public static final int MTU = 1280;

  /** The default interface name. */
  public static final String DEFAULT_NAME = "weft0";

  /** The mesh's IPv4 range (RFC 6598 shared address space). */
  public static final String MESH_V4 = MeshPrefixes.V4.toString();

  /** The mesh's IPv6 range. */
  public static final String MESH_V6 = MeshPrefixes.V6.toString();

  private final String name;
  private final boolean offloads;

  /**
   * A factory for TUNs named {@code name} (null or empty: {@value #DEFAULT_NAME}), without
   * offloads.
   */
  public KernelTunFactory(String name) {
    this(name, false);
  }

  /**
   * As {@link #KernelTunFactory(String)}; with {@code offloads} the TUN asks the kernel for TCP
   * segmentation and receive offloads (as {@code weft wg} does), falling back to a plain TUN.
   */
  public KernelTunFactory(String name, boolean offloads) {
    this.name = name == null || name.isEmpty() ? DEFAULT_NAME : name;
    this.offloads = offloads;
  }

  /** Whether TUNs from this factory ask for offloads. */
  public boolean offloads() {
    return offloads;
  }

  @Override
  public Tun open(String hostname, List<InetAddress> addresses) throws IOException {
    LinuxTun tun = LinuxTun.open(name, MTU, LinuxTun.DEFAULT_BATCH_SIZE, offloads);
    try {
      boolean v6 = false;
      for (InetAddress a : addresses) {
        String host = a.getHostAddress();
        if (a instanceof Inet4Address) {
          IpRoute2.addAddress(tun.name(), host + "/32");
        } else {
          // A TUN has no link to collide on: skip duplicate address detection.
          IpRoute2.run("-6", "addr", "add", host + "/128", "dev", tun.name(), "nodad");
          v6 = true;
        }
      }
      IpRoute2.addRoute(tun.name(), MESH_V4);
      if (v6) {
        IpRoute2.run("-6", "route", "add", MESH_V6, "dev", tun.name());
      }
      LOG.log(
          System.Logger.Level.INFO,
          "{0} up for {1}, MTU {2}, TCP offloads {3}",
          tun.name(),
          hostname,
          Integer.toString(MTU),
          tun.offloads() ? "on" : "off");
      return tun;
    } catch (IOException | RuntimeException e) {
      tun.close();
      throw e;
    }
  }
}
