package io.weft.control.server;

import io.weft.control.protocol.HostInfo;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.Node;
import io.weft.control.protocol.RegisterStatus;
import io.weft.control.store.Database;
import io.weft.control.store.DomainRecord;
import io.weft.control.store.Domains;
import io.weft.control.store.NodeRecord;
import io.weft.control.store.Nodes;
import io.weft.control.store.PreAuthKeyRecord;
import io.weft.control.store.PreAuthKeys;
import io.weft.control.store.StoreException;
import io.weft.control.store.UserRecord;
import io.weft.control.store.Users;
import io.weft.control.text.UntrustedText;
import io.weft.wg.key.NoisePublicKey;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Node lifecycle: registration (pre-auth key, interactive login, key rotation), host-info updates,
 * streams going online and offline, logout, and the admin's approve, expire, rename and delete.
 * Each change is one database transaction made under its domain's lock and then published to the
 * {@link MapBroker}.
 */
public final class NodeRegistry {
  private static final System.Logger LOG = System.getLogger(NodeRegistry.class.getName());
  private static final int MAX_HOSTNAME = 63;
  private static final int MAX_OS = 64;

  /** Starts an interactive login for a machine; returns the URL the user must open. */
  @FunctionalInterface
  public interface LoginStarter {
    /** The login URL, or null when no more logins may be pending (from {@code source}). */
    String begin(String machineKey, Message.Register request, InetAddress source);
  }

  /** A login or registration refused for a reason the user can act on. */
  public static final class Refused extends RuntimeException {
    Refused(String reason) {
      super(reason, null, false, false);
    }
  }

  private final Database db;
  private final MapBroker broker;
  private final ControlConfig config;
  private final ScheduledExecutorService scheduler;
  private volatile LoginStarter login;
  private final Map<String, ControlSession> sessions = new ConcurrentHashMap<>();
  private final Quotas quotas;

  /** Host-info updates and key rotations per machine key. */
  private final RateLimiter<String> updates;

  /** Online/offline changes (streams attached and ended) per machine key. */
  private final RateLimiter<String> presence;

  /** Nodes whose online state waits for {@link #syncPresence}. */
  private final java.util.Set<Long> presencePending = ConcurrentHashMap.newKeySet();

  /** Wrong pre-auth keys per source address. */
  private final RateLimiter<String> wrongKeys;

  /**
   * Updates waiting for their node's next allowed write, latest merged in; under {@link #nodeLock}.
   */
  private final Map<String, Message.UpdateHostInfo> coalesced = new ConcurrentHashMap<>();

  private final Object[] nodeLocks = new Object[64];

  /** Host-info writes made (tests and metrics). */
  final AtomicLong hostInfoWrites = new AtomicLong();

  NodeRegistry(
      Database db, MapBroker broker, ControlConfig config, ScheduledExecutorService scheduler) {
    this.db = db;
    this.broker = broker;
    this.config = config;
    this.scheduler = scheduler;
    this.quotas = config.quotas();
    this.updates =
        new RateLimiter<>(
            quotas.updateBurst(), quotas.updateInterval().toMillis(), 1 << 20, config.clock());
    this.presence =
        new RateLimiter<>(
            quotas.updateBurst(), quotas.updateInterval().toMillis(), 1 << 20, config.clock());
    this.wrongKeys =
        new RateLimiter<>(
            quotas.wrongKeyBurst(), quotas.wrongKeyInterval().toMillis(), 1 << 16, config.clock());
    for (int i = 0; i < nodeLocks.length; i++) {
      nodeLocks[i] = new Object();
    }
  }

  /** The lock that orders one machine's host-info writes (striped). */
  private Object nodeLock(String machineKey) {
    return nodeLocks[Math.floorMod(machineKey.hashCode(), nodeLocks.length)];
  }

  void setLoginStarter(LoginStarter starter) {
    this.login = starter;
  }

  private long now() {
    return config.clock().millis();
  }

  // ---- registration ----

  /** Handles a {@link Message.Register} from the machine {@code machineKey} (authenticated). */
  Message.RegisterResult register(String machineKey, Message.Register r, ControlSession session) {
    try {
      return registerChecked(machineKey, r, session);
    } catch (StoreException e) {
      LOG.log(
          Level.WARNING,
          "registration of machine {0} failed in the store: {1}",
          machineKey,
          UntrustedText.escape(e.getMessage(), 300));
      return rejected(r.id(), "the server could not store this registration; try again later");
    }
  }

  private Message.RegisterResult registerChecked(
      String machineKey, Message.Register r, ControlSession session) {
    String invalid = validate(r);
    if (invalid != null) {
      return rejected(r.id(), invalid);
    }
    if (session != null) {
      sessions.put(machineKey, session);
    }
    Optional<NodeRecord> existing = db.inTransaction(c -> Nodes.byMachineKey(c, machineKey));
    if (r.authKey() != null) {
      return registerWithKey(
          machineKey, r, existing.orElse(null), session == null ? null : session.source());
    }
    if (existing.isPresent() && !existing.get().expired(now())) {
      return reRegister(r, existing.get());
    }
    LoginStarter starter = login;
    if (starter != null) {
      String url = starter.begin(machineKey, r, session == null ? null : session.source());
      if (url == null) {
        return rejected(r.id(), "too many logins are pending; try again later");
      }
      return new Message.RegisterResult(r.id(), RegisterStatus.NEEDS_LOGIN, url, null, null);
    }
    return rejected(
        r.id(),
        existing.isPresent()
            ? "node key expired: register again with a pre-auth key"
            : "no pre-auth key given and interactive login is not configured");
  }

  private Message.RegisterResult registerWithKey(
      String machineKey, Message.Register r, NodeRecord existing, InetAddress source) {
    String src = SourceAddress.key(source);
    if (!wrongKeys.available(src)) {
      return rejected(
          r.id(),
          "too many wrong pre-auth keys from "
              + src
              + "; try again in "
              + Math.max(1, (wrongKeys.millisUntilAvailable(src) + 999) / 1000)
              + " s");
    }
    if (r.authKey().length() > 200) {
      wrongKeys.acquire(src);
      return rejected(r.id(), "unknown pre-auth key");
    }
    Optional<PreAuthKeyRecord> found = db.inTransaction(c -> PreAuthKeys.bySecret(c, r.authKey()));
    if (found.isEmpty()) {
      wrongKeys.acquire(src);
      LOG.log(Level.WARNING, "wrong pre-auth key from {0} (machine {1})", src, machineKey);
      return rejected(r.id(), "unknown pre-auth key");
    }
    PreAuthKeyRecord key = found.get();
    String unusable = key.unusableReason(now());
    if (unusable != null) {
      return rejected(r.id(), unusable);
    }
    if (existing != null && existing.domainId() != key.domainId()) {
      remove(existing, "moved to another domain");
      existing = null;
    }
    NodeRecord prior = existing;
    return broker.inDomain(
        key.domainId(),
        d -> {
          NodeRecord stored;
          try {
            stored =
                db.inTransaction(
                    c -> {
                      PreAuthKeyRecord k = PreAuthKeys.byId(c, key.id()).orElseThrow();
                      String reason = k.unusableReason(now());
                      if (reason != null || !PreAuthKeys.markUsed(c, k)) {
                        throw new Rejection(
                            reason != null ? reason : "one-off pre-auth key already used");
                      }
                      return upsert(
                          c,
                          machineKey,
                          r,
                          prior,
                          key.domainId(),
                          key.userId(),
                          k.tags(),
                          k.ephemeral(),
                          prior != null && prior.approved()
                              || k.preApproved()
                              || !config.requireApproval(),
                          k.id());
                    });
          } catch (Rejection e) {
            return rejected(r.id(), e.getMessage());
          }
          Node view = publish(d, stored);
          return new Message.RegisterResult(r.id(), RegisterStatus.AUTHORIZED, null, view, null);
        });
  }

  private Message.RegisterResult reRegister(Message.Register r, NodeRecord n) {
    if (!n.nodeKey().equals(r.nodeKey()) && !n.nodeKey().equals(r.oldNodeKey())) {
      return rejected(r.id(), "node key rotation must name the current node key as oldNodeKey");
    }
    if (!updates.tryAcquire(n.machineKey())) {
      if (n.nodeKey().equals(r.nodeKey()) && n.discoKey().equals(r.discoKey())) {
        // Nothing but host info: coalesced like an update, answered with the node as it is.
        updateHostInfo(n.machineKey(), new Message.UpdateHostInfo(r.id(), null, r.hostInfo()));
        return new Message.RegisterResult(r.id(), RegisterStatus.AUTHORIZED, null, view(n), null);
      }
      return rejected(
          r.id(),
          "too many registrations from this node; try again in "
              + Math.max(1, (updates.millisUntilAvailable(n.machineKey()) + 999) / 1000)
              + " s");
    }
    synchronized (nodeLock(n.machineKey())) {
      // This registration carries the whole host info and disco key: a coalesced update is older.
      coalesced.remove(n.machineKey());
      try {
        return broker.inDomain(
            n.domainId(),
            d -> {
              Optional<NodeRecord> updated =
                  db.inTransaction(
                      c -> {
                        Optional<NodeRecord> cur = Nodes.byId(c, n.id());
                        if (cur.isEmpty()) {
                          return cur;
                        }
                        checkNodeKeyFree(c, n.machineKey(), r.nodeKey());
                        NodeRecord next =
                            withHost(cur.get(), r.nodeKey(), r.discoKey(), r.hostInfo());
                        Nodes.update(c, next);
                        return Optional.of(next);
                      });
              if (updated.isEmpty()) {
                return rejected(r.id(), "node was removed");
              }
              Node view = publish(d, updated.get());
              return new Message.RegisterResult(
                  r.id(), RegisterStatus.AUTHORIZED, null, view, null);
            });
      } catch (Rejection e) {
        return rejected(r.id(), e.getMessage());
      }
    }
  }

  /**
   * Completes an interactive login: the user (created on first login) now owns the machine's node,
   * which is registered with the request the machine sent before the login.
   */
  public Node completeLogin(
      String machineKey,
      Message.Register r,
      String domainName,
      String issuer,
      String subject,
      String loginName,
      String displayName) {
    DomainRecord domain = db.inTransaction(c -> Domains.getOrCreate(c, domainName, now()));
    UserRecord user =
        db.inTransaction(
            c -> {
              Optional<UserRecord> u = Users.byOidc(c, issuer, subject);
              if (u.isPresent()) {
                return u.get();
              }
              if (Users.byLogin(c, domain.id(), loginName).isPresent()) {
                throw new Refused(
                    "another account already has the login name "
                        + UntrustedText.escape(loginName, 100)
                        + " in this domain; an admin must remove or rename it first");
              }
              return Users.create(c, domain.id(), loginName, displayName, issuer, subject, now());
            });
    Optional<NodeRecord> existing = db.inTransaction(c -> Nodes.byMachineKey(c, machineKey));
    NodeRecord prior = existing.orElse(null);
    if (prior != null && prior.domainId() != user.domainId()) {
      remove(prior, "moved to another domain");
      prior = null;
    }
    NodeRecord p = prior;
    Node view;
    try {
      view =
          broker.inDomain(
              user.domainId(),
              d -> {
                NodeRecord stored =
                    db.inTransaction(
                        c ->
                            upsert(
                                c,
                                machineKey,
                                r,
                                p,
                                user.domainId(),
                                user.id(),
                                List.of(),
                                false,
                                p != null && p.approved() || !config.requireApproval(),
                                null));
                return publish(d, stored);
              });
    } catch (Rejection e) {
      throw new Refused(e.getMessage());
    }
    ControlSession s = sessions.get(machineKey);
    if (s != null) {
      s.send(new Message.LoginComplete(view));
    }
    LOG.log(
        Level.INFO, "node {0} logged in as {1}", view.id(), UntrustedText.escape(loginName, 255));
    return view;
  }

  /** Inserts or updates the node of {@code machineKey}, with a fresh key expiry. */
  private NodeRecord upsert(
      Connection c,
      String machineKey,
      Message.Register r,
      NodeRecord prior,
      long domainId,
      Long userId,
      List<String> tags,
      boolean ephemeral,
      boolean approved,
      Long authKeyId)
      throws SQLException {
    long now = now();
    long expiry = now + config.keyExpiry().toMillis();
    HostInfo h = r.hostInfo();
    checkNodeKeyFree(c, machineKey, r.nodeKey());
    if (prior == null && Nodes.countByDomain(c, domainId) >= quotas.maxNodesPerDomain()) {
      throw new Rejection(
          "the domain is full ("
              + quotas.maxNodesPerDomain()
              + " nodes); an admin must remove some");
    }
    if (authKeyId != null
        && (prior == null || !authKeyId.equals(prior.authKeyId()))
        && Nodes.countByAuthKey(c, authKeyId) >= quotas.maxNodesPerKey()) {
      throw new Rejection(
          "this pre-auth key already registered " + quotas.maxNodesPerKey() + " nodes");
    }
    if (prior != null) {
      NodeRecord cur = Nodes.byId(c, prior.id()).orElse(prior);
      NodeRecord next =
          new NodeRecord(
              cur.id(),
              domainId,
              userId,
              machineKey,
              r.nodeKey(),
              r.discoKey(),
              hostname(h),
              cur.givenName(),
              os(h),
              Endpoints.distinct(h.endpoints()),
              cur.ipIndex(),
              cur.ipv4(),
              cur.ipv6(),
              cur.createdAt(),
              expiry,
              now,
              approved,
              ephemeral,
              tags,
              cur.online(),
              authKeyId);
      Nodes.update(c, next);
      return next;
    }
    return Nodes.insert(
        c,
        new NodeRecord(
            0,
            domainId,
            userId,
            machineKey,
            r.nodeKey(),
            r.discoKey(),
            hostname(h),
            hostname(h),
            os(h),
            Endpoints.distinct(h.endpoints()),
            0,
            null,
            null,
            now,
            expiry,
            now,
            approved,
            ephemeral,
            tags,
            false,
            authKeyId));
  }

  private NodeRecord withHost(NodeRecord n, String nodeKey, String discoKey, HostInfo h) {
    return new NodeRecord(
        n.id(),
        n.domainId(),
        n.userId(),
        n.machineKey(),
        nodeKey != null ? nodeKey : n.nodeKey(),
        discoKey != null ? discoKey : n.discoKey(),
        h != null ? hostname(h) : n.hostname(),
        n.givenName(),
        h != null ? os(h) : n.os(),
        h != null ? Endpoints.distinct(h.endpoints()) : n.endpoints(),
        n.ipIndex(),
        n.ipv4(),
        n.ipv6(),
        n.createdAt(),
        n.keyExpiry(),
        now(),
        n.approved(),
        n.ephemeral(),
        n.tags(),
        n.online(),
        n.authKeyId());
  }

  // ---- updates from the node ----

  /** Fails the transaction when another machine's node holds {@code nodeKey}. */
  private static void checkNodeKeyFree(Connection c, String machineKey, String nodeKey)
      throws SQLException {
    Optional<NodeRecord> holder = Nodes.byNodeKey(c, nodeKey);
    if (holder.isPresent() && !holder.get().machineKey().equals(machineKey)) {
      throw new Rejection("this node key is registered to another machine");
    }
  }

  /**
   * Applies new host info / disco key from an authorized node. Returns an error reason or null.
   * Beyond the node's {@link Quotas#updateBurst()} an update is not written at once: it is merged
   * into the one waiting for the node's next allowed write, so a flood costs one write and one
   * fan-out per {@link Quotas#updateInterval()}.
   */
  String updateHostInfo(String machineKey, Message.UpdateHostInfo u) {
    try {
      return updateHostInfoChecked(machineKey, u);
    } catch (StoreException e) {
      LOG.log(
          Level.WARNING,
          "host-info update of machine {0} failed in the store: {1}",
          machineKey,
          UntrustedText.escape(e.getMessage(), 300));
      return "the server could not store this update; try again later";
    }
  }

  private String updateHostInfoChecked(String machineKey, Message.UpdateHostInfo u) {
    if (u.discoKey() != null && !isKey(u.discoKey())) {
      return "discoKey is not a base64 32-byte key";
    }
    if (u.hostInfo() != null) {
      String bad = validateHost(u.hostInfo());
      if (bad != null) {
        return bad;
      }
    }
    Optional<NodeRecord> n = db.inTransaction(c -> Nodes.byMachineKey(c, machineKey));
    if (n.isEmpty() || n.get().expired(now())) {
      return "node is not registered";
    }
    synchronized (nodeLock(machineKey)) {
      Message.UpdateHostInfo waiting = coalesced.remove(machineKey);
      Message.UpdateHostInfo merged = waiting == null ? u : merge(waiting, u);
      if (!updates.tryAcquire(machineKey)) {
        coalesced.put(machineKey, merged);
        if (waiting == null) {
          scheduler.schedule(
              () -> flushUpdate(machineKey),
              Math.max(1, updates.millisUntilAvailable(machineKey)),
              TimeUnit.MILLISECONDS);
        }
        return null;
      }
      return writeHost(n.get(), merged) ? null : "node was removed";
    }
  }

  /** Writes the update that waited for {@code machineKey}'s next allowed write, if any. */
  private void flushUpdate(String machineKey) {
    try {
      synchronized (nodeLock(machineKey)) {
        Message.UpdateHostInfo u = coalesced.remove(machineKey);
        if (u == null) {
          return;
        }
        updates.acquire(machineKey);
        db.inTransaction(c -> Nodes.byMachineKey(c, machineKey)).ifPresent(n -> writeHost(n, u));
      }
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "coalesced host-info update of machine {0} failed: {1}",
          machineKey,
          UntrustedText.escape(e.toString(), 300));
    }
  }

  private boolean writeHost(NodeRecord n, Message.UpdateHostInfo u) {
    hostInfoWrites.incrementAndGet();
    return change(n, cur -> withHost(cur, null, u.discoKey(), u.hostInfo()));
  }

  private static Message.UpdateHostInfo merge(
      Message.UpdateHostInfo older, Message.UpdateHostInfo newer) {
    return new Message.UpdateHostInfo(
        newer.id(),
        newer.discoKey() != null ? newer.discoKey() : older.discoKey(),
        newer.hostInfo() != null ? newer.hostInfo() : older.hostInfo());
  }

  /** Attaches a map stream for the machine's node; returns an error reason or null. */
  String subscribe(String machineKey, MapStream stream, String sinceEpoch, long sinceVersion) {
    try {
      return subscribeChecked(machineKey, stream, sinceEpoch, sinceVersion);
    } catch (StoreException e) {
      LOG.log(
          Level.WARNING,
          "map subscription of machine {0} failed in the store: {1}",
          machineKey,
          UntrustedText.escape(e.getMessage(), 300));
      return "the server could not start the map stream; try again later";
    }
  }

  private String subscribeChecked(
      String machineKey, MapStream stream, String sinceEpoch, long sinceVersion) {
    Optional<NodeRecord> n = db.inTransaction(c -> Nodes.byMachineKey(c, machineKey));
    if (n.isEmpty()) {
      return "node is not registered";
    }
    NodeRecord node = n.get();
    return broker.inDomain(
        node.domainId(),
        d -> {
          if (presence.tryAcquire(machineKey)) {
            Optional<NodeRecord> cur = setOnline(node.id(), true);
            if (cur.isEmpty()) {
              return "node was removed";
            }
            publish(d, cur.get());
          } else if (d.node(node.id()) == null) {
            return "node was removed";
          } else {
            schedulePresence(node.id(), machineKey);
          }
          d.attach(node.id(), stream, sinceEpoch, sinceVersion);
          return null;
        });
  }

  /**
   * A node's stream ended: offline now, and an ephemeral node is removed after the grace period.
   */
  void streamEnded(String machineKey, MapStream stream, ControlSession session) {
    sessions.remove(machineKey, session);
    Optional<NodeRecord> n = db.inTransaction(c -> Nodes.byMachineKey(c, machineKey));
    if (n.isEmpty()) {
      return;
    }
    NodeRecord node = n.get();
    boolean wasCurrent =
        broker.inDomain(
            node.domainId(),
            d -> {
              if (!d.detach(node.id(), stream)) {
                return false;
              }
              if (presence.tryAcquire(machineKey)) {
                setOnline(node.id(), false).ifPresent(r -> publish(d, r));
              } else {
                schedulePresence(node.id(), machineKey);
              }
              return true;
            });
    if (wasCurrent && node.ephemeral()) {
      long grace = config.ephemeralGrace().toMillis();
      if (grace <= 0) {
        removeIfOffline(node.id());
      } else {
        scheduler.schedule(() -> removeIfOffline(node.id()), grace, TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Publishes node {@code nodeId}'s online state once its next change is allowed. */
  private void schedulePresence(long nodeId, String machineKey) {
    if (presencePending.add(nodeId)) {
      scheduler.schedule(
          () -> syncPresence(nodeId, machineKey),
          Math.max(1, presence.millisUntilAvailable(machineKey)),
          TimeUnit.MILLISECONDS);
    }
  }

  /** Makes the stored and published online state that of the node's stream, if they differ. */
  private void syncPresence(long nodeId, String machineKey) {
    presencePending.remove(nodeId);
    try {
      db.inTransaction(c -> Nodes.byId(c, nodeId))
          .ifPresent(
              node ->
                  broker.inDomain(
                      node.domainId(),
                      d -> {
                        Node cur = d.node(nodeId);
                        boolean streaming = d.streaming(nodeId);
                        if (cur != null && cur.online() != streaming) {
                          presence.acquire(machineKey);
                          setOnline(nodeId, streaming).ifPresent(r -> publish(d, r));
                        }
                        return null;
                      }));
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "online state of node {0} not updated: {1}",
          nodeId,
          UntrustedText.escape(e.toString(), 300));
    }
  }

  private void removeIfOffline(long nodeId) {
    Optional<NodeRecord> n = db.inTransaction(c -> Nodes.byId(c, nodeId));
    n.ifPresent(
        node ->
            broker.inDomain(
                node.domainId(),
                d -> {
                  if (!d.streaming(nodeId)) {
                    db.inTransaction(c -> Nodes.delete(c, nodeId));
                    d.publish(nodeId, null);
                    LOG.log(Level.INFO, "ephemeral node {0} removed after going offline", nodeId);
                  }
                  return null;
                }));
  }

  private Optional<NodeRecord> setOnline(long nodeId, boolean online) {
    return db.inTransaction(
        c -> {
          Optional<NodeRecord> cur = Nodes.byId(c, nodeId);
          if (cur.isEmpty()) {
            return cur;
          }
          NodeRecord n = cur.get();
          NodeRecord next =
              new NodeRecord(
                  n.id(),
                  n.domainId(),
                  n.userId(),
                  n.machineKey(),
                  n.nodeKey(),
                  n.discoKey(),
                  n.hostname(),
                  n.givenName(),
                  n.os(),
                  n.endpoints(),
                  n.ipIndex(),
                  n.ipv4(),
                  n.ipv6(),
                  n.createdAt(),
                  n.keyExpiry(),
                  now(),
                  n.approved(),
                  n.ephemeral(),
                  n.tags(),
                  online,
                  n.authKeyId());
          Nodes.update(c, next);
          return Optional.of(next);
        });
  }

  /** Logout: the node key expires now (an ephemeral node is removed). */
  void logout(String machineKey) {
    Optional<NodeRecord> n = db.inTransaction(c -> Nodes.byMachineKey(c, machineKey));
    if (n.isEmpty()) {
      return;
    }
    if (n.get().ephemeral()) {
      remove(n.get(), "logged out");
    } else {
      change(n.get(), cur -> withExpiry(cur, now()));
    }
  }

  /**
   * Whether the embedded relay may serve node key {@code nodeKey} (base64): a node this server
   * knows, not deleted, whose key has not expired and, where approval is required, approved. Fails
   * closed: any storage error refuses.
   */
  public boolean relayAdmits(String nodeKey) {
    try {
      long now = now();
      return db.inTransaction(c -> Nodes.byNodeKey(c, nodeKey))
          .filter(n -> !n.expired(now) && (n.approved() || !config.requireApproval()))
          .isPresent();
    } catch (RuntimeException e) {
      return false;
    }
  }

  // ---- admin ----

  /** All nodes, for the admin. */
  public List<NodeRecord> nodes() {
    return db.inTransaction(Nodes::all);
  }

  /** Approves a node; false if there is none. */
  public boolean approve(long nodeId) {
    return byId(nodeId).map(n -> change(n, cur -> withApproved(cur, true))).orElse(false);
  }

  /** Expires a node's key now; false if there is none. */
  public boolean expire(long nodeId) {
    return byId(nodeId).map(n -> change(n, cur -> withExpiry(cur, now()))).orElse(false);
  }

  /** Renames a node (its name in the map); false if there is none. */
  public boolean rename(long nodeId, String name) {
    return byId(nodeId).map(n -> change(n, cur -> withName(cur, name))).orElse(false);
  }

  /** Deletes a node and ends its connection; false if there is none. */
  public boolean delete(long nodeId) {
    return byId(nodeId).map(n -> remove(n, "deleted by an admin")).orElse(false);
  }

  private Optional<NodeRecord> byId(long nodeId) {
    return db.inTransaction(c -> Nodes.byId(c, nodeId));
  }

  private boolean remove(NodeRecord n, String why) {
    boolean removed =
        broker.inDomain(
            n.domainId(),
            d -> {
              boolean gone = db.inTransaction(c -> Nodes.delete(c, n.id()));
              d.publish(n.id(), null);
              return gone;
            });
    ControlSession s = sessions.get(n.machineKey());
    if (s != null) {
      s.end(why);
    }
    return removed;
  }

  /** Applies {@code f} to the current row of {@code n} in one transaction and publishes it. */
  private boolean change(NodeRecord n, java.util.function.UnaryOperator<NodeRecord> f) {
    return broker.inDomain(
        n.domainId(),
        d -> {
          Optional<NodeRecord> next =
              db.inTransaction(
                  c -> {
                    Optional<NodeRecord> cur = Nodes.byId(c, n.id());
                    if (cur.isEmpty()) {
                      return cur;
                    }
                    NodeRecord updated = f.apply(cur.get());
                    Nodes.update(c, updated);
                    return Optional.of(updated);
                  });
          next.ifPresent(r -> publish(d, r));
          return next.isPresent();
        });
  }

  private static NodeRecord withApproved(NodeRecord n, boolean approved) {
    return new NodeRecord(
        n.id(),
        n.domainId(),
        n.userId(),
        n.machineKey(),
        n.nodeKey(),
        n.discoKey(),
        n.hostname(),
        n.givenName(),
        n.os(),
        n.endpoints(),
        n.ipIndex(),
        n.ipv4(),
        n.ipv6(),
        n.createdAt(),
        n.keyExpiry(),
        n.lastSeen(),
        approved,
        n.ephemeral(),
        n.tags(),
        n.online(),
        n.authKeyId());
  }

  private static NodeRecord withExpiry(NodeRecord n, long expiry) {
    return new NodeRecord(
        n.id(),
        n.domainId(),
        n.userId(),
        n.machineKey(),
        n.nodeKey(),
        n.discoKey(),
        n.hostname(),
        n.givenName(),
        n.os(),
        n.endpoints(),
        n.ipIndex(),
        n.ipv4(),
        n.ipv6(),
        n.createdAt(),
        expiry,
        n.lastSeen(),
        n.approved(),
        n.ephemeral(),
        n.tags(),
        n.online(),
        n.authKeyId());
  }

  private static NodeRecord withName(NodeRecord n, String name) {
    return new NodeRecord(
        n.id(),
        n.domainId(),
        n.userId(),
        n.machineKey(),
        n.nodeKey(),
        n.discoKey(),
        n.hostname(),
        name,
        n.os(),
        n.endpoints(),
        n.ipIndex(),
        n.ipv4(),
        n.ipv6(),
        n.createdAt(),
        n.keyExpiry(),
        n.lastSeen(),
        n.approved(),
        n.ephemeral(),
        n.tags(),
        n.online(),
        n.authKeyId());
  }

  // ---- views ----

  private Node publish(MapBroker.Domain d, NodeRecord r) {
    Node view = view(r);
    d.publish(r.id(), view);
    return view;
  }

  /** The map's view of a stored node. */
  Node view(NodeRecord r) {
    String user =
        r.userId() == null
            ? null
            : db.inTransaction(
                c -> Users.byId(c, r.userId()).map(UserRecord::loginName).orElse(null));
    return view(r, user, now());
  }

  static Node view(NodeRecord r, String user, long now) {
    return new Node(
        r.id(),
        r.givenName(),
        r.hostname(),
        user,
        r.nodeKey(),
        r.discoKey(),
        r.machineKey(),
        List.of(r.ipv4() + "/32", r.ipv6() + "/128"),
        r.endpoints(),
        r.online(),
        r.lastSeen(),
        r.keyExpiry(),
        r.expired(now),
        r.approved(),
        r.tags());
  }

  /** Loads a domain for the broker. */
  MapBroker.Domain.Snapshot load(long domainId) {
    return db.inTransaction(
        c -> {
          DomainRecord d = Domains.byId(c, domainId).orElseThrow();
          Map<Long, String> users = new java.util.HashMap<>();
          for (UserRecord u : Users.all(c)) {
            if (u.domainId() == domainId) {
              users.put(u.id(), u.loginName());
            }
          }
          List<Node> nodes = new ArrayList<>();
          long now = now();
          for (NodeRecord n : Nodes.byDomain(c, domainId)) {
            nodes.add(view(n, n.userId() == null ? null : users.get(n.userId()), now));
          }
          return new MapBroker.Domain.Snapshot(d.name(), nodes);
        });
  }

  // ---- validation ----

  private static Message.RegisterResult rejected(long id, String reason) {
    return new Message.RegisterResult(id, RegisterStatus.REJECTED, null, null, reason);
  }

  private static String validate(Message.Register r) {
    if (!isKey(r.nodeKey())) {
      return "nodeKey is not a base64 32-byte key";
    }
    if (!isKey(r.discoKey())) {
      return "discoKey is not a base64 32-byte key";
    }
    if (r.oldNodeKey() != null && !isKey(r.oldNodeKey())) {
      return "oldNodeKey is not a base64 32-byte key";
    }
    if (r.hostInfo() == null) {
      return "hostInfo is required";
    }
    return validateHost(r.hostInfo());
  }

  private static String validateHost(HostInfo h) {
    if (h.hostname() != null && h.hostname().length() > 255) {
      return "hostname longer than 255 characters";
    }
    if (h.os() != null && h.os().length() > MAX_OS) {
      return "os longer than " + MAX_OS + " characters";
    }
    return Endpoints.invalid(h.endpoints());
  }

  static boolean isKey(String s) {
    if (s == null) {
      return false;
    }
    try {
      return !NoisePublicKey.fromBase64(s).isZero();
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String hostname(HostInfo h) {
    String name =
        Objects.requireNonNullElse(h.hostname(), "node")
            .toLowerCase(java.util.Locale.ROOT)
            .replaceAll("[^a-z0-9-]", "-");
    if (name.isEmpty()) {
      name = "node";
    }
    return name.length() > MAX_HOSTNAME ? name.substring(0, MAX_HOSTNAME) : name;
  }

  private static String os(HostInfo h) {
    String os = UntrustedText.strip(Objects.requireNonNullElse(h.os(), ""));
    return os.length() > 64 ? os.substring(0, 64) : os;
  }

  /** A registration refused inside its transaction (rolled back). */
  private static final class Rejection extends RuntimeException {
    Rejection(String reason) {
      super(reason, null, false, false);
    }
  }
}
