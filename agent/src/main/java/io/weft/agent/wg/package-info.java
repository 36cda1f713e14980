/**
 * {@code weft wg}: Weft as a drop-in for wireguard-go (a TUN device plus the UAPI socket), so that
 * wg(8) and wg-quick(8) drive it unchanged ({@code WG_QUICK_USERSPACE_IMPLEMENTATION=bin/weft-wg}).
 */
package io.weft.agent.wg;
