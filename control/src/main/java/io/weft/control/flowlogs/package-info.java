/**
 * Flow logs, collector side (issue 18). Nodes upload their records over their Noise control channel
 * as a {@code flowlog-upload} message: the channel already authenticates the node by its machine
 * key, so no second credential is needed and the HTTP layer is untouched (a field, a constructor
 * parameter and one case in {@code ControlSession}; a few lines in {@code ControlServer}). Uploads
 * are accepted only from a registered machine; the node sends them only on a session whose map
 * stream is attached (before registration the server takes small messages only). {@link
 * io.weft.control.flowlogs.FlowLogs} stores them append-only in {@code flow_logs} (migration {@code
 * V004__flow_logs.sql}) with a SHA-256 hash chain per node and the chain ends in {@code
 * flow_log_chains}; retention by age moves the chain start, so it is not mistaken for a deletion.
 * {@link io.weft.control.flowlogs.FlowLogVerifier} ({@code weft control logs verify}) reports
 * broken chains, sequence gaps, flows logged at one end only and counters that disagree beyond
 * slack.
 *
 * <p>Limits: the chain ends live in the same database as the records, so someone who can rewrite
 * the whole database can rewrite a consistent history; what catches that is the other end's records
 * (one-sided flows, disagreeing counters) and exporting the records elsewhere soon.
 */
package io.weft.control.flowlogs;
