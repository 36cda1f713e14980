/**
 * TCP segmentation and receive offload for TUN devices that carry a {@code virtio_net_hdr} in front
 * of each packet (Linux {@code IFF_VNET_HDR} with {@code TUNSETOFFLOAD}).
 *
 * <p>With offloads on, the kernel hands a reader one TCP "super-packet" of up to 64 KB together
 * with the segment size it would have used ({@link io.weft.tun.offload.GsoSplitter} cuts it back
 * into MTU-sized segments with valid headers and checksums), and accepts from a writer one
 * super-packet made of consecutive segments of a flow ({@link io.weft.tun.offload.GroCoalescer}),
 * which its TCP receives in one pass instead of one per segment. Both are pure Java over {@link
 * java.lang.foreign.MemorySegment}s, testable without a kernel; {@link
 * io.weft.tun.offload.InetChecksum} is the Internet checksum (RFC 1071) they share.
 */
package io.weft.tun.offload;
