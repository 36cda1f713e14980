-- Weft control schema, version 4: flow logs (issue 18).
-- Append-only: each node's records in sequence order, each row's hash chained to the previous
-- one (hash = SHA-256 of the previous hash and the record's JSON). flow_log_chains holds each
-- node's chain ends: the first seq kept (raised only by retention, with the hash it chains from)
-- and the last stored, so a deleted first or last row shows too.

CREATE TABLE flow_logs (
  node_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL,
  record TEXT NOT NULL,
  prev_hash VARCHAR(64) NOT NULL,
  hash VARCHAR(64) NOT NULL,
  PRIMARY KEY (node_id, seq)
);

CREATE INDEX flow_logs_end ON flow_logs(end_ms);

CREATE TABLE flow_log_chains (
  node_id BIGINT NOT NULL PRIMARY KEY,
  first_seq BIGINT NOT NULL,
  first_prev_hash VARCHAR(64) NOT NULL,
  last_seq BIGINT NOT NULL,
  last_hash VARCHAR(64) NOT NULL
);
