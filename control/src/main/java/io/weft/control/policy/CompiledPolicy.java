package io.weft.control.policy;

import io.weft.control.policy.PolicyCompiler.IntList;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The result of {@link PolicyCompiler#compile}: for each node, the filter rules that name it as
 * destination and the peers it may see. Immutable.
 */
public final class CompiledPolicy {

  private final Policy policy;
  private final List<PolicyNode> nodes;
  private final List<Set<String>> ownedTags;
  private final List<List<FilterRule>> rules;
  private final BitSet[] rulePeers;
  private final IntList[] selfPeers;
  private final Map<Long, Integer> byId = new HashMap<>();

  CompiledPolicy(
      final Policy policy,
      final List<PolicyNode> nodes,
      final List<Set<String>> ownedTags,
      final List<List<FilterRule>> rules,
      final BitSet[] rulePeers,
      final IntList[] selfPeers) {
    this.policy = policy;
    this.nodes = nodes;
    this.ownedTags = ownedTags;
    this.rules = rules;
    this.rulePeers = rulePeers;
    this.selfPeers = selfPeers;
    for (int i = 0; i < nodes.size(); i++) {
      byId.put(nodes.get(i).id(), i);
    }
  }

  /** The policy compiled. */
  public Policy policy() {
    return policy;
  }

  /** The nodes compiled for, in the order given. */
  public List<PolicyNode> nodes() {
    return nodes;
  }

  /** A node by id. */
  public Optional<PolicyNode> node(final long id) {
    final Integer i = byId.get(id);
    return i == null ? Optional.empty() : Optional.of(nodes.get(i));
  }

  /** The node's tags that the policy's tagOwners defines (the others give it nothing). */
  public Set<String> ownedTags(final long id) {
    return ownedTags.get(index(id));
  }

  /** The filter rules naming the node as destination (empty: the node accepts nothing). */
  public List<FilterRule> filterRules(final long id) {
    return rules.get(index(id));
  }

  /** Whether node {@code a} may see node {@code b}: either may reach the other. */
  public boolean canSee(final long a, final long b) {
    final int i = index(a);
    final int j = index(b);
    if (i == j) {
      return false;
    }
    if (rulePeers[i].get(j)) {
      return true;
    }
    final IntList extra = selfPeers[i];
    if (extra != null) {
      for (int k = 0; k < extra.size; k++) {
        if (extra.a[k] == j) {
          return true;
        }
      }
    }
    return false;
  }

  /** The ids of the peers node {@code id} may see, in node order. */
  public List<Long> peers(final long id) {
    final int i = index(id);
    final BitSet b = (BitSet) rulePeers[i].clone();
    final IntList extra = selfPeers[i];
    if (extra != null) {
      for (int k = 0; k < extra.size; k++) {
        b.set(extra.a[k]);
      }
    }
    b.clear(i);
    final List<Long> out = new ArrayList<>(b.cardinality());
    for (int j = b.nextSetBit(0); j >= 0; j = b.nextSetBit(j + 1)) {
      out.add(nodes.get(j).id());
    }
    return out;
  }

  private int index(final long id) {
    final Integer i = byId.get(id);
    if (i == null) {
      throw new IllegalArgumentException("no node " + id + " in this compilation");
    }
    return i;
  }
}
