-- Policy files in Tailscale's syntax, one row per version: the text as written (comments kept),
-- who set it and when. The highest version of a domain is its current policy.
CREATE TABLE policies (
  id ${ID},
  domain_id BIGINT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  text TEXT NOT NULL,
  author VARCHAR(255) NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (domain_id, version)
);
