package io.weft.control.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.control.http.HttpRequest;
import io.weft.control.http.HttpResponse;
import io.weft.control.policy.PolicyAdmin;
import io.weft.control.server.NodeRegistry;
import io.weft.control.store.Database;
import io.weft.control.store.DomainRecord;
import io.weft.control.store.Domains;
import io.weft.control.store.NodeRecord;
import io.weft.control.store.PreAuthKeyRecord;
import io.weft.control.store.PreAuthKeys;
import io.weft.control.store.UserRecord;
import io.weft.control.store.Users;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Admin operations, as Java methods and as the HTTP API:
 *
 * <pre>
 *   GET    /admin/v1/domains                  POST /admin/v1/domains {"name"}
 *   GET    /admin/v1/users
 *   GET    /admin/v1/nodes
 *   POST   /admin/v1/nodes/{id}/approve       POST /admin/v1/nodes/{id}/expire
 *   POST   /admin/v1/nodes/{id}/rename {"name"}
 *   DELETE /admin/v1/nodes/{id}
 *   GET    /admin/v1/preauthkeys              POST /admin/v1/preauthkeys {"domain", "user"?, "reusable"?,
 *                                               "ephemeral"?, "preApproved"?, "tags"?, "expiresInSeconds"?}
 *   POST   /admin/v1/preauthkeys/{id}/revoke
 *   GET|POST /admin/v1/policy, POST /admin/v1/policy/test, GET /admin/v1/policy/history ({@link PolicyAdmin})
 * </pre>
 */
public final class AdminApi {
  /** Lifetime of a pre-auth key when none is given. */
  public static final Duration DEFAULT_KEY_LIFETIME = Duration.ofHours(1);

  /** Tags one pre-auth key may carry (each node's map entry lists them). */
  public static final int MAX_TAGS = 16;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NODE_ACTION =
      Pattern.compile("/admin/v1/nodes/(\\d{1,18})(?:/(approve|expire|rename))?");
  private static final Pattern KEY_REVOKE =
      Pattern.compile("/admin/v1/preauthkeys/(\\d{1,18})/revoke");
  private static final Pattern TAG = Pattern.compile("tag:[a-z0-9][a-z0-9-]{0,62}");

  private final Database db;
  private final NodeRegistry registry;
  private final byte[] token;
  private final Clock clock;
  private final SecureRandom random;
  private final PolicyAdmin policyAdmin;

  /**
   * @param adminToken the bearer token, or null to refuse every HTTP request
   */
  public AdminApi(
      Database db, NodeRegistry registry, String adminToken, Clock clock, SecureRandom random) {
    this.db = db;
    this.registry = registry;
    this.token = adminToken == null ? null : adminToken.getBytes(StandardCharsets.UTF_8);
    this.clock = clock;
    this.random = random;
    this.policyAdmin = new PolicyAdmin(db, clock);
  }

  /** A new pre-auth key and its secret (shown only here). */
  public record CreatedKey(PreAuthKeyRecord key, String secret) {}

  /** Creates a domain, or returns the existing one of that name. */
  public DomainRecord createDomain(String name) {
    return db.inTransaction(c -> Domains.getOrCreate(c, name, clock.millis()));
  }

  /**
   * Creates a pre-auth key in {@code domain} (created if missing).
   *
   * @param user login name of the owning user (created if missing), or null for a domain key
   */
  public CreatedKey createPreAuthKey(
      String domain,
      String user,
      boolean reusable,
      boolean ephemeral,
      boolean preApproved,
      List<String> tags,
      Duration lifetime) {
    for (String t : tags) {
      if (!TAG.matcher(t).matches()) {
        throw new IllegalArgumentException(
            "tag must look like tag:name (lower case, digits, '-'): " + t);
      }
    }
    if (tags.size() > MAX_TAGS) {
      throw new IllegalArgumentException("at most " + MAX_TAGS + " tags");
    }
    byte[] publicId = new byte[5];
    random.nextBytes(publicId);
    byte[] raw = new byte[24];
    random.nextBytes(raw);
    // The public id is drawn apart from the secret part: the stored, listed prefix reveals none of
    // it.
    String secret =
        "weft-auth-"
            + java.util.HexFormat.of().formatHex(publicId)
            + "."
            + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    long now = clock.millis();
    PreAuthKeyRecord k =
        db.inTransaction(
            c -> {
              DomainRecord d = Domains.getOrCreate(c, domain, now);
              Long userId = null;
              if (user != null) {
                Optional<UserRecord> u = Users.byLogin(c, d.id(), user);
                userId =
                    (u.isPresent() ? u.get() : Users.create(c, d.id(), user, user, null, null, now))
                        .id();
              }
              return PreAuthKeys.create(
                  c,
                  d.id(),
                  userId,
                  secret,
                  reusable,
                  ephemeral,
                  preApproved,
                  tags,
                  now + lifetime.toMillis(),
                  now);
            });
    return new CreatedKey(k, secret);
  }

  /** Revokes a pre-auth key; false if there is none. */
  public boolean revokePreAuthKey(long id) {
    return db.inTransaction(c -> PreAuthKeys.revoke(c, id));
  }

  /** Answers one HTTP request under {@code /admin/}. */
  public HttpResponse handle(HttpRequest req) {
    if (token == null) {
      return HttpResponse.error(403, "the admin API is disabled (no admin token configured)");
    }
    String presented = req.bearerToken();
    if (presented == null) {
      return HttpResponse.error(401, "Authorization: Bearer <admin token> required")
          .header("WWW-Authenticate", "Bearer");
    }
    if (!MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
      return HttpResponse.error(401, "wrong admin token").header("WWW-Authenticate", "Bearer");
    }
    try {
      return route(req);
    } catch (BadInput e) {
      return HttpResponse.error(400, e.getMessage());
    } catch (IllegalArgumentException e) {
      return HttpResponse.error(400, e.getMessage());
    }
  }

  private HttpResponse route(HttpRequest req) throws BadInput {
    String path = req.path();
    String method = req.method();
    if (path.startsWith(PolicyAdmin.PREFIX)) {
      return policyAdmin.handle(req);
    }
    switch (path) {
      case "/admin/v1/domains" -> {
        if (method.equals("GET")) {
          return HttpResponse.json(200, db.inTransaction(Domains::all));
        }
        if (method.equals("POST")) {
          String name = text(body(req), "name", true);
          return HttpResponse.json(201, createDomain(name));
        }
        return methodNotAllowed("GET, POST");
      }
      case "/admin/v1/users" -> {
        return method.equals("GET")
            ? HttpResponse.json(200, db.inTransaction(Users::all))
            : methodNotAllowed("GET");
      }
      case "/admin/v1/nodes" -> {
        if (!method.equals("GET")) {
          return methodNotAllowed("GET");
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (NodeRecord n : registry.nodes()) {
          out.add(nodeJson(n));
        }
        return HttpResponse.json(200, out);
      }
      case "/admin/v1/preauthkeys" -> {
        if (method.equals("GET")) {
          return HttpResponse.json(200, db.inTransaction(PreAuthKeys::all));
        }
        if (method.equals("POST")) {
          JsonNode b = body(req);
          List<String> tags = new ArrayList<>();
          JsonNode t = b.get("tags");
          if (t != null) {
            if (!t.isArray()) {
              throw new BadInput("tags must be an array of strings");
            }
            for (JsonNode e : t) {
              if (!e.isTextual()) {
                throw new BadInput("tags must be an array of strings");
              }
              tags.add(e.asText());
            }
          }
          long seconds =
              b.has("expiresInSeconds")
                  ? b.get("expiresInSeconds").asLong(-1)
                  : DEFAULT_KEY_LIFETIME.toSeconds();
          if (seconds <= 0 || seconds > Duration.ofDays(3650).toSeconds()) {
            throw new BadInput("expiresInSeconds must be between 1 and 3650 days' worth");
          }
          CreatedKey k =
              createPreAuthKey(
                  text(b, "domain", true),
                  text(b, "user", false),
                  flag(b, "reusable"),
                  flag(b, "ephemeral"),
                  flag(b, "preApproved"),
                  tags,
                  Duration.ofSeconds(seconds));
          Map<String, Object> out = new LinkedHashMap<>();
          out.put("id", k.key().id());
          out.put("key", k.secret());
          out.put("expiresAt", k.key().expiresAt());
          return HttpResponse.json(201, out);
        }
        return methodNotAllowed("GET, POST");
      }
      default -> {
        // Paths with ids below.
      }
    }
    Matcher revoke = KEY_REVOKE.matcher(path);
    if (revoke.matches()) {
      if (!method.equals("POST")) {
        return methodNotAllowed("POST");
      }
      return revokePreAuthKey(Long.parseLong(revoke.group(1))) ? ok() : notFound("pre-auth key");
    }
    Matcher node = NODE_ACTION.matcher(path);
    if (node.matches()) {
      long id = Long.parseLong(node.group(1));
      String action = node.group(2);
      if (action == null) {
        if (!method.equals("DELETE")) {
          return methodNotAllowed("DELETE");
        }
        return registry.delete(id) ? ok() : notFound("node");
      }
      if (!method.equals("POST")) {
        return methodNotAllowed("POST");
      }
      boolean found =
          switch (action) {
            case "approve" -> registry.approve(id);
            case "expire" -> registry.expire(id);
            default -> {
              String name = text(body(req), "name", true);
              if (!name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
                throw new BadInput(
                    "name must be a DNS label: lower case letters, digits and '-', at most 63");
              }
              yield registry.rename(id, name);
            }
          };
      return found ? ok() : notFound("node");
    }
    return HttpResponse.error(404, "no such admin endpoint");
  }

  private static Map<String, Object> nodeJson(NodeRecord n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", n.id());
    m.put("domainId", n.domainId());
    m.put("userId", n.userId());
    m.put("name", n.givenName());
    m.put("hostname", n.hostname());
    m.put("os", n.os());
    m.put("machineKey", n.machineKey());
    m.put("nodeKey", n.nodeKey());
    m.put("discoKey", n.discoKey());
    m.put("ipv4", n.ipv4());
    m.put("ipv6", n.ipv6());
    m.put("endpoints", n.endpoints());
    m.put("createdAt", n.createdAt());
    m.put("keyExpiry", n.keyExpiry());
    m.put("lastSeen", n.lastSeen());
    m.put("approved", n.approved());
    m.put("ephemeral", n.ephemeral());
    m.put("online", n.online());
    m.put("tags", n.tags());
    return m;
  }

  private static final class BadInput extends Exception {
    BadInput(String reason) {
      super(reason, null, false, false);
    }
  }

  private static JsonNode body(HttpRequest req) throws BadInput {
    if (req.body().length == 0) {
      throw new BadInput("a JSON object body is required");
    }
    try {
      JsonNode n = JSON.readTree(req.body());
      if (n == null || !n.isObject()) {
        throw new BadInput("the body must be a JSON object");
      }
      return n;
    } catch (java.io.IOException e) {
      throw new BadInput("the body is not valid JSON");
    }
  }

  private static String text(JsonNode b, String field, boolean required) throws BadInput {
    JsonNode v = b.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new BadInput("field '" + field + "' is required");
      }
      return null;
    }
    if (!v.isTextual() || v.asText().isBlank() || v.asText().length() > 255) {
      throw new BadInput(
          "field '" + field + "' must be a non-empty string of at most 255 characters");
    }
    return v.asText();
  }

  private static boolean flag(JsonNode b, String field) throws BadInput {
    JsonNode v = b.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw new BadInput("field '" + field + "' must be true or false");
    }
    return v.asBoolean();
  }

  private static HttpResponse ok() {
    return HttpResponse.json(200, Map.of("ok", true));
  }

  private static HttpResponse notFound(String what) {
    return HttpResponse.error(404, "no such " + what);
  }

  private static HttpResponse methodNotAllowed(String allowed) {
    return HttpResponse.error(405, "method not allowed; use " + allowed).header("Allow", allowed);
  }
}
