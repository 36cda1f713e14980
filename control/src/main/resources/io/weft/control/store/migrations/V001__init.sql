-- Weft control schema, version 1. ${ID} is the dialect's auto-increment primary key.
-- Times are epoch milliseconds; booleans are 0/1; lists are JSON arrays of strings.
-- No private key and no pre-auth key secret is ever stored: keys are public, secrets hashed.

CREATE TABLE domains (
  id ${ID},
  name VARCHAR(255) NOT NULL UNIQUE,
  created_at BIGINT NOT NULL
);

CREATE TABLE users (
  id ${ID},
  domain_id BIGINT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
  login_name VARCHAR(255) NOT NULL,
  display_name VARCHAR(255) NOT NULL,
  oidc_issuer VARCHAR(1024),
  oidc_subject VARCHAR(255),
  created_at BIGINT NOT NULL,
  UNIQUE (domain_id, login_name),
  UNIQUE (oidc_issuer, oidc_subject)
);

CREATE TABLE pre_auth_keys (
  id ${ID},
  domain_id BIGINT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
  user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,
  key_prefix VARCHAR(32) NOT NULL,
  key_hash VARCHAR(64) NOT NULL UNIQUE,
  reusable INTEGER NOT NULL,
  ephemeral INTEGER NOT NULL,
  pre_approved INTEGER NOT NULL,
  tags TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_count INTEGER NOT NULL DEFAULT 0,
  revoked INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);

CREATE TABLE nodes (
  id ${ID},
  domain_id BIGINT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
  user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
  machine_key VARCHAR(64) NOT NULL UNIQUE,
  node_key VARCHAR(64) NOT NULL UNIQUE,
  disco_key VARCHAR(64) NOT NULL,
  hostname VARCHAR(255) NOT NULL,
  given_name VARCHAR(255) NOT NULL,
  os VARCHAR(64) NOT NULL,
  endpoints TEXT NOT NULL,
  ip_index BIGINT NOT NULL UNIQUE,
  ipv4 VARCHAR(15) NOT NULL UNIQUE,
  ipv6 VARCHAR(39) NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  key_expiry BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  approved INTEGER NOT NULL,
  ephemeral INTEGER NOT NULL,
  tags TEXT NOT NULL,
  online INTEGER NOT NULL DEFAULT 0,
  auth_key_id BIGINT REFERENCES pre_auth_keys(id) ON DELETE SET NULL
);

CREATE INDEX nodes_domain ON nodes(domain_id);
CREATE INDEX users_domain ON users(domain_id);
