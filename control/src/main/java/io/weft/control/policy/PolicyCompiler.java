package io.weft.control.policy;

import io.weft.control.policy.FilterRule.NetPortRange;
import io.weft.control.policy.FilterRule.Ports;
import io.weft.control.policy.Policy.Alias;
import io.weft.control.policy.Policy.Destination;
import io.weft.control.policy.Policy.Kind;
import io.weft.control.policy.Policy.PortRange;
import io.weft.control.policy.Policy.Rule;
import io.weft.wg.allowedips.Prefix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compiles a policy against the current set of nodes into, per node, the filter rules naming it as
 * destination and the set of peers it may see.
 *
 * <p>Cost is linear in what it produces, never in nodes × rules × nodes: nodes are indexed once by
 * user, tag and address; each distinct source list is resolved once (to a node bit set and its
 * sorted source strings); each rule touches only its destination nodes. Peer visibility is
 * symmetric (a node sees a peer when either may reach the other). It is computed per class of nodes
 * with the same (source sets reaching them, destination sets they reach) signature, one bit set OR
 * per class, so 10,000 nodes in a few hundred classes cost a few hundred OR passes, not 10⁸ pair
 * checks.
 */
public final class PolicyCompiler {

  /**
   * What Tailscale's control plane sends for a {@code *} source (besides approved routes): the
   * CGNAT range without 100.115.92.0/23 (reserved for ChromeOS VMs) and the tailnet's ULA /48
   * (captured in headscale's testdata/acl_results/acl-p01.hujson).
   */
  public static final List<String> TAILSCALE_TAILNET_RANGES =
      List.of("100.64.0.0-100.115.91.255", "100.115.94.0-100.127.255.255", "fd7a:115c:a1e0::/48");

  private final List<String> tailnetRanges;

  /** A compiler whose wildcard source is Tailscale's. */
  public PolicyCompiler() {
    this(TAILSCALE_TAILNET_RANGES);
  }

  /** A compiler whose wildcard source is {@code tailnetRanges} plus every approved route. */
  public PolicyCompiler(final List<String> tailnetRanges) {
    this.tailnetRanges = List.copyOf(tailnetRanges);
  }

  /** Compiles {@code policy} for {@code nodes} (ids unique). */
  public CompiledPolicy compile(final Policy policy, final List<PolicyNode> nodes) {
    return new Run(policy, nodes).compile();
  }

  /** A growable int array. */
  static final class IntList {
    int[] a = new int[4];
    int size;

    void add(final int v) {
      if (size == a.length) {
        a = Arrays.copyOf(a, size * 2);
      }
      a[size++] = v;
    }

    int[] sortedDistinct() {
      final int[] s = Arrays.copyOf(a, size);
      Arrays.sort(s);
      int w = 0;
      for (int i = 0; i < s.length; i++) {
        if (w == 0 || s[w - 1] != s[i]) {
          s[w++] = s[i];
        }
      }
      return Arrays.copyOf(s, w);
    }
  }

  /** A resolved source list: its nodes (for visibility) and its sorted source strings. */
  record SourceSet(int id, BitSet nodes, List<String> ips, int ipsId) {}

  private record Signature(int[] reaches, int[] reachedBy) {
    @Override
    public boolean equals(final Object o) {
      return o instanceof Signature s
          && Arrays.equals(reaches, s.reaches)
          && Arrays.equals(reachedBy, s.reachedBy);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(reaches) + Arrays.hashCode(reachedBy);
    }
  }

  private final class Run {
    final Policy policy;
    final PolicyNode[] nodes;
    final int n;
    final boolean[] tagged;
    final List<Set<String>> tags = new ArrayList<>();
    final String[][] ips;
    final Map<String, IntList> byUser = new HashMap<>();
    final Map<String, IntList> byTag = new HashMap<>();
    final BitSet all;
    final BitSet members = new BitSet();
    final BitSet taggedBits = new BitSet();
    final Map<Prefix, Integer> byAddress = new HashMap<>();
    final IntList routers = new IntList();
    final List<List<Prefix>> routes;
    final List<String> wildcardIps;

    final Map<String, BitSet> aliasMemo = new HashMap<>();
    final Map<List<String>, SourceSet> sourceMemo = new HashMap<>();
    final List<SourceSet> sourceSets = new ArrayList<>();
    final Map<List<String>, Integer> ipsIds = new HashMap<>();
    final List<List<String>> ipsById = new ArrayList<>();
    final Map<List<Integer>, Integer> protoIds = new HashMap<>();
    final List<List<Integer>> protoById = new ArrayList<>();
    final Map<BitSet, Integer> dstSetIds = new HashMap<>();
    final List<BitSet> dstSets = new ArrayList<>();

    // Per node: rule key (ips id, proto id) -> destination ports, in order of first appearance.
    final List<LinkedHashMap<Long, List<NetPortRange>>> out;
    final IntList[] extraPeers;

    Run(final Policy policy, final List<PolicyNode> list) {
      this.policy = policy;
      this.nodes = list.toArray(PolicyNode[]::new);
      this.n = nodes.length;
      this.tagged = new boolean[n];
      this.ips = new String[n][];
      this.all = new BitSet(n);
      all.set(0, n);
      this.out = new ArrayList<>(n);
      this.extraPeers = new IntList[n];
      this.routes = new ArrayList<>(n);
      final TreeSet<String> wild = new TreeSet<>(tailnetRanges);
      for (int i = 0; i < n; i++) {
        final PolicyNode node = nodes[i];
        final Set<String> own = new TreeSet<>();
        for (String t : node.tags()) {
          if (policy.tagOwners().containsKey(t)) {
            own.add(t);
          }
        }
        tags.add(own);
        tagged[i] = !node.tags().isEmpty();
        if (tagged[i]) {
          taggedBits.set(i);
          for (String t : own) {
            byTag.computeIfAbsent(t, k -> new IntList()).add(i);
          }
        } else if (node.user() != null) {
          members.set(i);
          byUser.computeIfAbsent(node.user(), k -> new IntList()).add(i);
        }
        ips[i] = new String[node.addresses().size()];
        for (int a = 0; a < ips[i].length; a++) {
          final Prefix p = node.addresses().get(a);
          ips[i][a] = Addresses.format(p);
          byAddress.putIfAbsent(p, i);
        }
        routes.add(approved(node, own));
        if (!routes.get(i).isEmpty()) {
          routers.add(i);
        }
        for (Prefix r : routes.get(i)) {
          wild.add(Addresses.format(r));
        }
        out.add(null);
      }
      this.wildcardIps = List.copyOf(wild);
    }

    /**
     * Approved routes: the admin's approvals plus advertised routes an auto-approver covers (a tag
     * the node owns, or its user directly or through a group). Exit routes are not modelled.
     */
    private List<Prefix> approved(final PolicyNode node, final Set<String> ownTags) {
      final List<Prefix> out = new ArrayList<>();
      for (Prefix r : node.approvedRoutes()) {
        if (r.bits() > 0) {
          out.add(r);
        }
      }
      for (Prefix r : node.advertisedRoutes()) {
        if (r.bits() == 0 || out.contains(r)) {
          continue;
        }
        for (Map.Entry<Prefix, List<String>> e : policy.autoApprovers().routes().entrySet()) {
          if (Addresses.contains(e.getKey(), r) && approves(e.getValue(), node, ownTags)) {
            out.add(r);
            break;
          }
        }
      }
      return List.copyOf(out);
    }

    private boolean approves(
        final List<String> approvers, final PolicyNode node, final Set<String> ownTags) {
      for (String who : approvers) {
        if (ownTags.contains(who)) {
          return true;
        }
        if (node.tags().isEmpty()
            && node.user() != null
            && (who.equals(node.user())
                || policy.groups().getOrDefault(who, List.of()).contains(node.user())
                || who.equals("autogroup:member"))) {
          return true;
        }
      }
      return false;
    }

    CompiledPolicy compile() {
      final List<long[]> visibilityPairs = new ArrayList<>();
      final java.util.HashSet<Long> seenPairs = new java.util.HashSet<>();
      for (Rule rule : policy.rules()) {
        final SourceSet src = sources(rule.sources());
        if (src.ips().isEmpty()) {
          continue; // an empty group: Tailscale sends no rule (headscale's capture grant-p09-6b)
        }
        final int proto = protoId(rule.protocols());
        final BitSet dstNodes = new BitSet(n);
        final List<PortRange> selfPorts = new ArrayList<>();
        for (Destination d : rule.destinations()) {
          if (d.alias().kind() == Kind.SELF) {
            selfPorts.addAll(d.ports());
            continue;
          }
          destination(d, src, proto, dstNodes);
        }
        if (!selfPorts.isEmpty()) {
          self(src, proto, selfPorts);
        }
        if (!dstNodes.isEmpty() && !src.nodes().isEmpty()) {
          final int dstId =
              dstSetIds.computeIfAbsent(
                  dstNodes,
                  k -> {
                    dstSets.add(k);
                    return dstSets.size() - 1;
                  });
          if (seenPairs.add(((long) src.id() << 32) | dstId)) {
            visibilityPairs.add(new long[] {src.id(), dstId});
          }
        }
      }
      return new CompiledPolicy(
          policy, List.of(nodes), tags, rules(), visibility(visibilityPairs), extraPeers);
    }

    private void destination(
        final Destination d, final SourceSet src, final int proto, final BitSet dstNodes) {
      final Alias a = d.alias();
      switch (a.kind()) {
        case INTERNET -> {
          // Reaching the internet needs exit nodes, which the compiler does not model yet.
        }
        case WILDCARD -> {
          dstNodes.or(all);
          for (int i = 0; i < n; i++) {
            final List<NetPortRange> ports = slot(i, src.ipsId(), proto);
            for (PortRange p : d.ports()) {
              ports.add(new NetPortRange("*", new Ports(p.first(), p.last())));
            }
          }
        }
        case HOST, PREFIX -> {
          final BitSet bits = resolve(a);
          dstNodes.or(bits);
          final String ip = Addresses.format(a.prefix());
          for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
            final List<NetPortRange> ports = slot(i, src.ipsId(), proto);
            for (PortRange p : d.ports()) {
              ports.add(new NetPortRange(ip, new Ports(p.first(), p.last())));
            }
          }
        }
        default -> {
          final BitSet bits = resolve(a);
          dstNodes.or(bits);
          for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
            ownAddresses(i, slot(i, src.ipsId(), proto), d.ports());
          }
        }
      }
    }

    /** autogroup:self: per user, that user's sources to that user's untagged nodes. */
    private void self(final SourceSet src, final int proto, final List<PortRange> ports) {
      for (IntList userNodes : byUser.values()) {
        final BitSet srcU = new BitSet(n);
        for (int k = 0; k < userNodes.size; k++) {
          if (src.nodes().get(userNodes.a[k])) {
            srcU.set(userNodes.a[k]);
          }
        }
        if (srcU.isEmpty()) {
          continue;
        }
        final int ipsId = ipsId(nodeIps(srcU));
        for (int k = 0; k < userNodes.size; k++) {
          final int d = userNodes.a[k];
          ownAddresses(d, slot(d, ipsId, proto), ports);
          if (extraPeers[d] == null) {
            extraPeers[d] = new IntList();
          }
          if (srcU.get(d)) {
            for (int j = 0; j < userNodes.size; j++) {
              extraPeers[d].add(userNodes.a[j]);
            }
          } else {
            for (int j = srcU.nextSetBit(0); j >= 0; j = srcU.nextSetBit(j + 1)) {
              extraPeers[d].add(j);
            }
          }
        }
      }
    }

    private void ownAddresses(
        final int node, final List<NetPortRange> into, final List<PortRange> ports) {
      for (String ip : ips[node]) {
        for (PortRange p : ports) {
          into.add(new NetPortRange(ip, new Ports(p.first(), p.last())));
        }
      }
    }

    private List<NetPortRange> slot(final int node, final int ipsId, final int proto) {
      LinkedHashMap<Long, List<NetPortRange>> m = out.get(node);
      if (m == null) {
        m = new LinkedHashMap<>();
        out.set(node, m);
      }
      return m.computeIfAbsent(((long) ipsId << 16) | proto, k -> new ArrayList<>());
    }

    private SourceSet sources(final List<Alias> aliases) {
      final List<String> key =
          aliases.stream().map(a -> a.kind() + ":" + a.text()).sorted().distinct().toList();
      final SourceSet memo = sourceMemo.get(key);
      if (memo != null) {
        return memo;
      }
      final BitSet bits = new BitSet(n);
      final TreeSet<String> strings = new TreeSet<>();
      for (Alias a : aliases) {
        final BitSet b = resolve(a);
        bits.or(b);
        switch (a.kind()) {
          case WILDCARD -> strings.addAll(wildcardIps);
          case HOST, PREFIX -> strings.add(Addresses.format(a.prefix()));
          default -> {
            for (int i = b.nextSetBit(0); i >= 0; i = b.nextSetBit(i + 1)) {
              strings.addAll(Arrays.asList(ips[i]));
            }
          }
        }
      }
      final List<String> list = List.copyOf(strings);
      final SourceSet s = new SourceSet(sourceSets.size(), bits, list, ipsId(list));
      sourceSets.add(s);
      sourceMemo.put(key, s);
      return s;
    }

    private List<String> nodeIps(final BitSet bits) {
      final TreeSet<String> strings = new TreeSet<>();
      for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
        strings.addAll(Arrays.asList(ips[i]));
      }
      return List.copyOf(strings);
    }

    private int ipsId(final List<String> list) {
      return ipsIds.computeIfAbsent(
          list,
          k -> {
            ipsById.add(k);
            return ipsById.size() - 1;
          });
    }

    private int protoId(final List<Integer> protos) {
      return protoIds.computeIfAbsent(
          protos,
          k -> {
            protoById.add(k);
            return protoById.size() - 1;
          });
    }

    /**
     * The nodes an alias names (read-only: memoised). A CIDR names the nodes inside it and the
     * routers with an approved route overlapping it.
     */
    private BitSet resolve(final Alias a) {
      final String key = a.kind() + ":" + a.text();
      final BitSet memo = aliasMemo.get(key);
      if (memo != null) {
        return memo;
      }
      final BitSet b = new BitSet(n);
      switch (a.kind()) {
        case WILDCARD -> b.or(all);
        case MEMBER -> b.or(members);
        case TAGGED -> b.or(taggedBits);
        case USER -> set(b, byUser.get(a.name()));
        case GROUP -> {
          for (String login : policy.groups().getOrDefault(a.name(), List.of())) {
            set(b, byUser.get(login));
          }
        }
        case TAG -> set(b, byTag.get(a.name()));
        case HOST, PREFIX -> {
          final Prefix p = a.prefix();
          if (p.bits() == p.address().length * 8) {
            final Integer i = byAddress.get(p);
            if (i != null) {
              b.set(i);
            }
          } else {
            for (int i = 0; i < n; i++) {
              for (Prefix addr : nodes[i].addresses()) {
                if (Addresses.contains(p, addr)) {
                  b.set(i);
                }
              }
            }
          }
          for (int k = 0; k < routers.size; k++) {
            for (Prefix r : routes.get(routers.a[k])) {
              // Exit routes (/0) are for autogroup:internet, not for CIDR aliases (acl-h03).
              if (r.bits() > 0 && Addresses.overlaps(p, r)) {
                b.set(routers.a[k]);
              }
            }
          }
        }
        case SELF, INTERNET -> {
          // Resolved per source user (self) or not at all (internet).
        }
      }
      aliasMemo.put(key, b);
      return b;
    }

    private void set(final BitSet b, final IntList list) {
      if (list != null) {
        for (int k = 0; k < list.size; k++) {
          b.set(list.a[k]);
        }
      }
    }

    private List<List<FilterRule>> rules() {
      final List<List<FilterRule>> rules = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        final LinkedHashMap<Long, List<NetPortRange>> m = out.get(i);
        if (m == null) {
          rules.add(List.of());
          continue;
        }
        final List<FilterRule> list = new ArrayList<>(m.size());
        for (Map.Entry<Long, List<NetPortRange>> e : m.entrySet()) {
          final int ipsId = (int) (e.getKey() >>> 16);
          final int proto = (int) (e.getKey() & 0xffff);
          list.add(
              new FilterRule(ipsById.get(ipsId), List.copyOf(e.getValue()), protoById.get(proto)));
        }
        rules.add(List.copyOf(list));
      }
      return rules;
    }

    /** Per node, the bit set of peers it sees through rules (shared by nodes of one class). */
    private BitSet[] visibility(final List<long[]> pairs) {
      final IntList[] reaches = new IntList[n];
      final IntList[] reachedBy = new IntList[n];
      for (long[] pair : pairs) {
        final BitSet src = sourceSets.get((int) pair[0]).nodes();
        final BitSet dst = dstSets.get((int) pair[1]);
        for (int i = src.nextSetBit(0); i >= 0; i = src.nextSetBit(i + 1)) {
          (reaches[i] == null ? reaches[i] = new IntList() : reaches[i]).add((int) pair[1]);
        }
        for (int j = dst.nextSetBit(0); j >= 0; j = dst.nextSetBit(j + 1)) {
          (reachedBy[j] == null ? reachedBy[j] = new IntList() : reachedBy[j]).add((int) pair[0]);
        }
      }
      final BitSet empty = new BitSet();
      final Map<Signature, BitSet> classes = new HashMap<>();
      final BitSet[] peers = new BitSet[n];
      for (int i = 0; i < n; i++) {
        if (reaches[i] == null && reachedBy[i] == null) {
          peers[i] = empty;
          continue;
        }
        final Signature sig =
            new Signature(
                reaches[i] == null ? new int[0] : reaches[i].sortedDistinct(),
                reachedBy[i] == null ? new int[0] : reachedBy[i].sortedDistinct());
        peers[i] =
            classes.computeIfAbsent(
                sig,
                s -> {
                  final BitSet b = new BitSet(n);
                  for (int d : s.reaches()) {
                    b.or(dstSets.get(d));
                  }
                  for (int src : s.reachedBy()) {
                    b.or(sourceSets.get(src).nodes());
                  }
                  return b;
                });
      }
      return peers;
    }
  }
}
