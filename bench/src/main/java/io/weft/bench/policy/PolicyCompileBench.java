package io.weft.bench.policy;

import io.weft.control.policy.CompiledPolicy;
import io.weft.control.policy.Policy;
import io.weft.control.policy.PolicyCompiler;
import io.weft.control.policy.PolicyNode;
import io.weft.control.policy.PolicyParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Compile time of a policy for a synthetic tailnet: {@code nodes} nodes (80 % users' devices, four
 * per user; 20 % tagged servers, ten per tag) and {@code rules} ACLs, mostly group → tag and tag →
 * tag with port lists, plus a few {@code *}, {@code autogroup:member → *:*} and {@code
 * autogroup:self} rules, so that every node receives rules and computes a peer set.
 *
 * <pre>java -jar bench/target/benchmarks.jar PolicyCompileBench
 * java -cp bench/target/benchmarks.jar io.weft.bench.policy.PolicyCompileBench 10000 1000</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public class PolicyCompileBench {

  @Param({"10000"})
  public int nodes;

  @Param({"1000"})
  public int rules;

  private Policy policy;
  private List<PolicyNode> tailnet;

  @Setup
  public void setup() {
    final Random random = new Random(42);
    tailnet = nodes(nodes);
    policy = policy(random, nodes, rules);
  }

  @Benchmark
  public CompiledPolicy compile() {
    return new PolicyCompiler().compile(policy, tailnet);
  }

  /** The synthetic tailnet: node i is a user's device or, for one in five, a tagged server. */
  public static List<PolicyNode> nodes(final int n) {
    final List<PolicyNode> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      final String v4 = "100." + (64 + (i >> 16)) + "." + ((i >> 8) & 0xff) + "." + (i & 0xff);
      final String v6 = "fd7a:115c:a1e0::" + Integer.toHexString(i + 1);
      if (i % 5 == 4) {
        out.add(
            PolicyNode.of(
                i, "server" + i, "admin@example.com", Set.of("tag:t" + (i / 5) % tags(n)), v4, v6));
      } else {
        out.add(PolicyNode.of(i, "device" + i, "u" + (i / 5) + "@example.com", Set.of(), v4, v6));
      }
    }
    return out;
  }

  private static int tags(final int n) {
    return Math.max(1, n / 50);
  }

  /** The synthetic policy, parsed from text as a real one would be. */
  public static Policy policy(final Random random, final int n, final int rules) {
    final int users = Math.max(1, n / 5);
    final int tags = tags(n);
    final int groups = Math.max(1, users / 20);
    final StringBuilder sb = new StringBuilder("{\n\"groups\": {");
    for (int g = 0; g < groups; g++) {
      sb.append(g == 0 ? "" : ",\n").append("\"group:g").append(g).append("\": [");
      for (int k = 0; k < 20; k++) {
        sb.append(k == 0 ? "" : ", ")
            .append("\"u")
            .append(random.nextInt(users))
            .append("@example.com\"");
      }
      sb.append(']');
    }
    sb.append("},\n\"tagOwners\": {");
    for (int t = 0; t < tags; t++) {
      sb.append(t == 0 ? "" : ", ")
          .append("\"tag:t")
          .append(t)
          .append("\": [\"admin@example.com\"]");
    }
    sb.append("},\n\"acls\": [\n");
    for (int r = 0; r < rules; r++) {
      final int kind = r % 100;
      final String src;
      final String dst;
      if (kind == 0) {
        src = "\"autogroup:member\"";
        dst = "\"autogroup:self:*\"";
      } else if (kind == 1 && r < 100) {
        src = "\"autogroup:member\"";
        dst = "\"*:*\"";
      } else if (kind < 5) {
        src = "\"*\"";
        dst = "\"tag:t" + random.nextInt(tags) + ":443\"";
      } else if (kind < 70) {
        src = "\"group:g" + random.nextInt(groups) + "\"";
        dst =
            "\"tag:t"
                + random.nextInt(tags)
                + ":22,80,443\", \"tag:t"
                + random.nextInt(tags)
                + ":5432\"";
      } else if (kind < 90) {
        src = "\"tag:t" + random.nextInt(tags) + "\"";
        dst = "\"tag:t" + random.nextInt(tags) + ":8000-8999\"";
      } else {
        src = "\"u" + random.nextInt(users) + "@example.com\"";
        dst = "\"group:g" + random.nextInt(groups) + ":3389\"";
      }
      sb.append(r == 0 ? "" : ",\n")
          .append("{\"action\": \"accept\", \"src\": [")
          .append(src)
          .append("], \"dst\": [")
          .append(dst)
          .append("]}");
    }
    sb.append("\n]}\n");
    final PolicyParser.Result parsed = PolicyParser.parse(sb.toString());
    if (!parsed.ok()) {
      throw new IllegalStateException(parsed.errors().toString());
    }
    return parsed.policy();
  }

  /** A plain measurement: {@code nodes rules [repeats]}; prints each compile and a summary. */
  public static void main(final String[] args) {
    final int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    final int r = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
    final int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    final List<PolicyNode> tailnet = nodes(n);
    final Policy policy = policy(new Random(42), n, r);
    // CPU time of this thread as well as wall time: on a shared machine the two differ.
    final var threads = java.lang.management.ManagementFactory.getThreadMXBean();
    final var os =
        (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long best = Long.MAX_VALUE;
    long bestCpu = Long.MAX_VALUE;
    CompiledPolicy last = null;
    for (int i = 0; i < repeats; i++) {
      final long c0 = threads.getCurrentThreadCpuTime();
      final long p0 = os.getProcessCpuTime();
      final long t0 = System.nanoTime();
      last = new PolicyCompiler().compile(policy, tailnet);
      final long t = System.nanoTime() - t0;
      final long cpu = threads.getCurrentThreadCpuTime() - c0;
      final long process = os.getProcessCpuTime() - p0;
      best = Math.min(best, t);
      bestCpu = Math.min(bestCpu, cpu);
      System.out.printf(
          Locale.ROOT,
          "compile %d: %.1f ms wall, %.1f ms cpu (thread), %.1f ms cpu (process, with GC)%n",
          i,
          t / 1e6,
          cpu / 1e6,
          process / 1e6);
    }
    long ruleCount = 0;
    long dstPorts = 0;
    long peers = 0;
    for (PolicyNode node : tailnet) {
      for (var rule : last.filterRules(node.id())) {
        ruleCount++;
        dstPorts += rule.dstPorts().size();
      }
      peers += last.peers(node.id()).size();
    }
    System.out.printf(
        Locale.ROOT,
        "%d nodes x %d rules: best %.1f ms wall, %.1f ms cpu; output %d filter rules, %d "
            + "DstPorts, %d peer entries (%.0f per node)%n",
        n,
        r,
        best / 1e6,
        bestCpu / 1e6,
        ruleCount,
        dstPorts,
        peers,
        (double) peers / n);
  }
}
