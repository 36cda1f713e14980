/**
 * Benchmarks for {@code io.weft.wg.conn}: datagrams per second through the plain {@code UdpBind}
 * and the batched {@code LinuxBatchUdpBind} (with and without UDP GSO) over loopback.
 */
package io.weft.bench.conn;
