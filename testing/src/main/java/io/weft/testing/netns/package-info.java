/**
 * Network namespaces for tests and benchmarks: {@link io.weft.testing.netns.NetworkNamespace}
 * creates one ({@code ip netns add}), runs code on a thread that entered it with {@code setns(2)}
 * (through FFM, {@code Setns}) and deletes it on close, refusing to pass silently over a thread
 * left inside. {@link io.weft.testing.netns.TestNet} builds namespaces, veth links and processes
 * run from the command line, and removes them all on close (processes by PID first).
 */
package io.weft.testing.netns;
