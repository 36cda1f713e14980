/**
 * Coordination-server benchmarks: how long one node's endpoint change takes to reach every peer's
 * map stream, and how many bytes each stream gets for it (issue 6: deltas are O(size of the
 * change), not O(N)).
 */
package io.weft.bench.control;
