/**
 * WireGuard's cross-platform userspace configuration protocol (wireguard.com/xplatform;
 * wireguard-go {@code device/uapi.go}) over a Unix socket, so that {@code wg show}, {@code wg
 * showconf} and {@code wg set} drive a Weft interface unchanged.
 */
package io.weft.wg.uapi;
