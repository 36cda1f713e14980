/**
 * The node. Today: the {@code weft} CLI ({@code cli}), {@code weft wg} as a drop-in for
 * wireguard-go ({@code wg}), the backend ({@code backend}), engine ({@code engine}) and userspace
 * TUN ({@code userspace}). {@code weft quickstart} embeds the coordination server, so it lives in
 * the {@code dist} module, not here.
 */
package io.weft.agent;
