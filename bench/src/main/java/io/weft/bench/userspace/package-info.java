/**
 * Userspace mode end to end: two WireGuard devices over {@code NetstackTun}s joined by real
 * loopback UDP, with TCP between the two stacks ({@code io.weft.agent.userspace}).
 */
package io.weft.bench.userspace;
