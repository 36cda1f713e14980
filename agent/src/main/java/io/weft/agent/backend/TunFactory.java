package io.weft.agent.backend;

import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;

/**
 * Opens the node's plaintext side once its addresses are known (after registration): a kernel TUN
 * configured with them, or the userspace netstack ({@code --tun=userspace}).
 */
@FunctionalInterface
public interface TunFactory {
  /** Opens a TUN for a node named {@code hostname} with {@code addresses} (IPv4 and IPv6 hosts). */
  Tun open(String hostname, List<InetAddress> addresses) throws IOException;
}
