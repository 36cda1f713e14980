/**
 * A userspace IPv4/IPv6 TCP/IP stack.
 */
package io.weft.netstack;
