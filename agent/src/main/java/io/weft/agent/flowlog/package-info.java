/**
 * Flow logs, node side (issue 18): {@link io.weft.agent.flowlog.FlowLog} counts every packet of the
 * {@link io.weft.agent.pipeline.PacketPipeline} into a bounded primitive table per 5-tuple (ICMP
 * echo: the identifier as both ports), packets and bytes each way, first and last seen (injected
 * clock) and who started the flow, without allocating per packet; every few seconds {@link
 * io.weft.agent.flowlog.FlowLogService} writes records of flows that ended (TCP RST or a FIN each
 * way, then a short linger; idle timeouts) and interim records of long ones, naming the node and
 * user on each side from the {@link io.weft.agent.netmap.NetMapBus}, into the {@link
 * io.weft.agent.flowlog.FlowSpool} (0600 files in the state directory, numbered per node so gaps
 * show, bounded with a counted drop of the oldest), and uploads the spool over the node's Noise
 * control channel ({@link io.weft.control.protocol.Message.FlowLogUpload}); a batch leaves the
 * spool only once the server acknowledged it. Records never carry payload bytes: only the headers
 * the pipeline parsed are read.
 *
 * <p>The record format is {@link io.weft.control.protocol.FlowRecord}. The hooks sit after the
 * packet filter, which sees dropped packets alone: it reports them with {@link
 * io.weft.agent.flowlog.FlowLog#dropped} (and the rule that dropped them) so that the records say
 * "dropped".
 */
package io.weft.agent.flowlog;
