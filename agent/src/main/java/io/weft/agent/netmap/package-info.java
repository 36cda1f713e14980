/**
 * The network-map bus: the backend publishes each {@link io.weft.control.protocol.NetMap} it runs
 * on, and any component (the engine, the bind, the packet filter, flow logs, the proxies' name
 * table, DNS) subscribes. Snapshot semantics with one slot per subscriber, so the publisher never
 * waits for a subscriber and a slow subscriber skips straight to the newest map.
 */
package io.weft.agent.netmap;
