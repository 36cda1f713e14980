package io.weft.netstack.linux;

import io.weft.netstack.NetStack;
import io.weft.netstack.NetStackConfig;
import io.weft.netstack.iface.InterfaceConfig;
import io.weft.netstack.wire.IpAddress;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * For {@code bench/netstack-vs-kernel.sh}: opens TUN device {@code args[0]}, bridges it to a
 * netstack with addresses {@code args[1]} (IPv4) and {@code args[2]} (IPv6) and MTU {@code
 * args[3]}, and serves iperf3 on port 5201 until killed. Prints {@code ready} once the device
 * exists, so the script can move it into its namespace. One reader thread (a blocking read per
 * packet) feeds the stack; the stack's driver thread writes each outgoing packet to the device.
 */
public final class NetstackIperf3Bridge {
    private NetstackIperf3Bridge() {}

    public static void main(String[] args) throws Exception {
        final LinuxTun tun = new LinuxTun(args[0]);
        final int mtu = Integer.parseInt(args[3]);
        final byte[] out = new byte[mtu];
        final NetStack stack = new NetStack(NetStackConfig.of(InterfaceConfig.of(IpAddress.parse(args[1]),
                IpAddress.parse(args[2])).withMtu(mtu)), (b, off, len) -> {
                    b.get(off, out, 0, len);
                    tun.write(out, len);
                });
        final Iperf3Server server = new Iperf3Server(stack.listenTcp(Iperf3Protocol.DEFAULT_PORT, 16));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stack.close();
        }));
        System.out.println("ready");
        System.out.flush();
        final byte[] in = new byte[65536];
        final ByteBuffer wrapped = ByteBuffer.wrap(in);
        try {
            while (true) {
                final int n = tun.readBlocking(in);
                if (n > 0) {
                    stack.deliver(wrapped, 0, n);
                }
            }
        } catch (IOException e) {
            System.err.println("tun closed: " + e.getMessage());
        }
    }
}
