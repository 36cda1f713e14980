package io.weft.control.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.control.http.HttpRequest;
import io.weft.control.http.HttpResponse;
import io.weft.control.store.Database;
import io.weft.control.store.DomainRecord;
import io.weft.control.store.Domains;
import io.weft.control.store.PolicyRecord;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The policy part of the admin API (the caller has checked the admin token):
 *
 * <pre>
 *   GET  /admin/v1/policy?domain=D           the current version: {version, text, author, createdAt}
 *   POST /admin/v1/policy {domain, text, author?}
 *                                            201 {version}, or 400 {error, errors:[{line, column, message}]}
 *   POST /admin/v1/policy/test {text}        200 {ok, errors} (nothing stored)
 *   GET  /admin/v1/policy/history?domain=D   [{version, author, createdAt}]
 *   POST /admin/v1/policy/check {domain?, src, dst}
 *                                            200 {accepted, rule, reason}: src and dst are node names,
 *                                            ids or addresses, dst with :port[/proto]; the current
 *                                            policy compiled for the domain's nodes as stored now
 * </pre>
 */
public final class PolicyAdmin {
  /** Paths this handler owns start with this. */
  public static final String PREFIX = "/admin/v1/policy";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_POLICY_BYTES = 1 << 20;

  private final Database db;
  private final PolicyStore store;
  private final Clock clock;

  public PolicyAdmin(final Database db, final Clock clock) {
    this.db = db;
    this.store = new PolicyStore(db);
    this.clock = clock;
  }

  /** Answers one admin request under {@link #PREFIX}; never throws on bad input. */
  public HttpResponse handle(final HttpRequest req) {
    final String method = req.method();
    switch (req.path()) {
      case PREFIX -> {
        if (method.equals("GET")) {
          final Optional<DomainRecord> d = domain(req.query().getOrDefault("domain", "default"));
          final Optional<PolicyRecord> p = d.flatMap(x -> store.current(x.id()));
          if (p.isEmpty()) {
            return HttpResponse.error(404, "no policy set for this domain");
          }
          final Map<String, Object> out = summary(p.get());
          out.put("text", p.get().text());
          return HttpResponse.json(200, out);
        }
        if (method.equals("POST")) {
          final JsonNode body = body(req);
          if (body == null || !body.path("text").isTextual()) {
            return HttpResponse.error(
                400, "a JSON object with \"text\" (the policy file) is required");
          }
          final String domainName = body.path("domain").asText("default");
          final String author = body.path("author").asText("admin");
          final long domainId =
              db.inTransaction(c -> Domains.getOrCreate(c, domainName, clock.millis())).id();
          final PolicyStore.SetOutcome o =
              store.set(domainId, body.get("text").asText(), author, clock.millis());
          if (!o.ok()) {
            return refused(o.errors());
          }
          return HttpResponse.json(201, summary(o.stored()));
        }
        return HttpResponse.error(405, "method not allowed; use GET, POST")
            .header("Allow", "GET, POST");
      }
      case PREFIX + "/test" -> {
        if (!method.equals("POST")) {
          return HttpResponse.error(405, "method not allowed; use POST").header("Allow", "POST");
        }
        final JsonNode body = body(req);
        if (body == null || !body.path("text").isTextual()) {
          return HttpResponse.error(
              400, "a JSON object with \"text\" (the policy file) is required");
        }
        final PolicyEngine.SetResult r = PolicyEngine.set(body.get("text").asText());
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("ok", r.ok());
        out.put("errors", errors(r.errors()));
        return HttpResponse.json(200, out);
      }
      case PREFIX + "/history" -> {
        if (!method.equals("GET")) {
          return HttpResponse.error(405, "method not allowed; use GET").header("Allow", "GET");
        }
        final List<Map<String, Object>> out = new ArrayList<>();
        domain(req.query().getOrDefault("domain", "default"))
            .ifPresent(d -> store.history(d.id()).forEach(p -> out.add(summary(p))));
        return HttpResponse.json(200, out);
      }
      case PREFIX + "/check" -> {
        if (!method.equals("POST")) {
          return HttpResponse.error(405, "method not allowed; use POST").header("Allow", "POST");
        }
        final JsonNode body = body(req);
        if (body == null || !body.path("src").isTextual() || !body.path("dst").isTextual()) {
          return HttpResponse.error(400, "a JSON object with \"src\" and \"dst\" is required");
        }
        final Optional<DomainRecord> d = domain(body.path("domain").asText("default"));
        final Optional<Policy> policy = d.flatMap(x -> store.currentPolicy(x.id()));
        if (policy.isEmpty()) {
          return HttpResponse.error(404, "no policy set for this domain");
        }
        final List<PolicyNode> nodes = db.inTransaction(c -> PolicyNodes.ofDomain(c, d.get().id()));
        final CompiledPolicy compiled = new PolicyCompiler().compile(policy.get(), nodes);
        final PolicyEngine.Decision decision =
            PolicyEngine.check(compiled, body.get("src").asText(), body.get("dst").asText());
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("accepted", decision.accepted());
        out.put("rule", decision.rule());
        out.put("reason", decision.reason());
        return HttpResponse.json(200, out);
      }
      default -> {
        return HttpResponse.error(404, "no such admin endpoint");
      }
    }
  }

  private Optional<DomainRecord> domain(final String name) {
    return db.inTransaction(c -> Domains.byName(c, name));
  }

  private static JsonNode body(final HttpRequest req) {
    if (req.body().length == 0 || req.body().length > MAX_POLICY_BYTES) {
      return null;
    }
    try {
      final JsonNode n = JSON.readTree(req.body());
      return n != null && n.isObject() ? n : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static Map<String, Object> summary(final PolicyRecord p) {
    final Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", p.version());
    m.put("author", p.author());
    m.put("createdAt", p.createdAt());
    return m;
  }

  private static HttpResponse refused(final List<PolicyError> errors) {
    final Map<String, Object> out = new LinkedHashMap<>();
    out.put("error", "policy refused: " + errors.get(0));
    out.put("errors", errors(errors));
    return HttpResponse.json(400, out);
  }

  private static List<Map<String, Object>> errors(final List<PolicyError> errors) {
    final List<Map<String, Object>> out = new ArrayList<>();
    for (PolicyError e : errors) {
      final Map<String, Object> m = new LinkedHashMap<>();
      m.put("line", e.line());
      m.put("column", e.column());
      m.put("message", e.message());
      out.add(m);
    }
    return out;
  }
}
