-- Weft control schema, version 2.
-- Version 1 stored the first 16 characters of each pre-auth key secret as its prefix: 6 of them
-- were secret (36 bits). Those prefixes are replaced by the row id; new keys store a public id
-- drawn apart from the secret part.
UPDATE pre_auth_keys SET key_prefix = 'legacy-' || CAST(id AS VARCHAR(20));

-- Per-key node counts (the nodes-per-key quota).
CREATE INDEX nodes_auth_key ON nodes(auth_key_id);
