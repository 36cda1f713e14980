/**
 * Storage of the coordination server: domains (tailnets), users, nodes and pre-auth keys in
 * embedded SQLite (one file, WAL; the default) or PostgreSQL (by JDBC URL).
 *
 * <p>{@link io.weft.control.store.Database} hands out connections and runs every multi-step change
 * in one transaction, retrying when a unique constraint or a serialization failure says another
 * writer won a race; {@link io.weft.control.store.Migrator} applies the numbered SQL files under
 * {@code migrations/} and records them in {@code schema_version}. Only public keys and hashes of
 * secrets are stored.
 */
package io.weft.control.store;
