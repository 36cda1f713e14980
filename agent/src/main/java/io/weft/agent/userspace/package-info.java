/**
 * Userspace mode: the WireGuard device over Weft's own TCP/IP stack ({@code netstack}) instead of a
 * kernel TUN, for hosts and JVMs without root.
 */
package io.weft.agent.userspace;
