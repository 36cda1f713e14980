/**
 * Windows TUN devices through Wintun (https://www.wintun.net/, the {@code wintun.h} API).
 *
 * <p>{@link io.weft.tun.windows.WindowsWintun} creates an adapter ({@code WintunCreateAdapter}),
 * starts a session with a ring of {@link io.weft.tun.windows.WindowsWintun#RING_CAPACITY} bytes,
 * and moves packets by copying them out of {@code WintunReceivePacket} (then {@code
 * WintunReleaseReceivePacket}) and into {@code WintunAllocateSendPacket} (then {@code
 * WintunSendPacket}). An empty ring ({@code ERROR_NO_MORE_ITEMS}) ends a batch, or, for the first
 * packet, waits with {@code WaitForMultipleObjects} on the session's read event and on this
 * device's close event. {@code ERROR_HANDLE_EOF} means the adapter is going away. The MTU is set
 * with {@code netsh}.
 *
 * <p>Adapter and session setup go through JNA; the per-packet calls and the wait through the FFM
 * API, as on the other systems. {@code wintun.dll} (signed, from wintun.net) is loaded from the
 * {@code weft.wintun.dll} system property, or by name from the library path.
 *
 * <p><b>Not yet run on Windows.</b> The batch, wait and close logic is tested on Linux against an
 * in-memory {@link io.weft.tun.windows.WintunApi}; the bindings in {@link
 * io.weft.tun.windows.WintunDll} have only been compiled.
 */
package io.weft.tun.windows;
