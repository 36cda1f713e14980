package io.weft.control.policy;

import io.weft.control.store.Database;
import io.weft.control.store.Policies;
import io.weft.control.store.PolicyRecord;
import java.util.List;
import java.util.Optional;

/**
 * A domain's policy, versioned in the server's store. A policy is stored only when it parses,
 * validates and its tests pass; otherwise nothing changes and the current version stays.
 */
public final class PolicyStore {

  private final Database db;

  public PolicyStore(final Database db) {
    this.db = db;
  }

  /**
   * The outcome of {@link #set}.
   *
   * @param stored the new version, or null when refused
   * @param errors why it was refused (parse errors, failing tests), each with line and column
   */
  public record SetOutcome(PolicyRecord stored, List<PolicyError> errors) {
    public boolean ok() {
      return stored != null;
    }
  }

  /** Checks {@code text} and, if it passes, stores it as the domain's next version. */
  public SetOutcome set(
      final long domainId, final String text, final String author, final long nowMillis) {
    final PolicyEngine.SetResult checked = PolicyEngine.set(text);
    if (!checked.ok()) {
      return new SetOutcome(null, checked.errors());
    }
    final PolicyRecord stored =
        db.inTransaction(c -> Policies.append(c, domainId, text, author, nowMillis));
    return new SetOutcome(stored, List.of());
  }

  /** The current version, if any was ever set. */
  public Optional<PolicyRecord> current(final long domainId) {
    return db.inTransaction(c -> Policies.current(c, domainId));
  }

  /** The current policy, parsed (a stored policy always parses). */
  public Optional<Policy> currentPolicy(final long domainId) {
    return current(domainId).map(r -> PolicyParser.parse(r.text()).policy());
  }

  /** Every version, oldest first. */
  public List<PolicyRecord> history(final long domainId) {
    return db.inTransaction(c -> Policies.history(c, domainId));
  }

  /** One version. */
  public Optional<PolicyRecord> version(final long domainId, final int version) {
    return db.inTransaction(c -> Policies.byVersion(c, domainId, version));
  }
}
