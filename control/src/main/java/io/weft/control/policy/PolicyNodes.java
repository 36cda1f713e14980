package io.weft.control.policy;

import io.weft.control.store.NodeRecord;
import io.weft.control.store.Nodes;
import io.weft.control.store.UserRecord;
import io.weft.control.store.Users;
import io.weft.wg.allowedips.Prefix;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The compiler's view of the nodes in the server's store. */
final class PolicyNodes {

  private PolicyNodes() {}

  /** The domain's nodes: name, owner's login, tags and addresses (routes are not stored yet). */
  static List<PolicyNode> ofDomain(final Connection c, final long domainId) throws SQLException {
    final Map<Long, String> logins = new HashMap<>();
    final List<PolicyNode> out = new ArrayList<>();
    for (NodeRecord n : Nodes.byDomain(c, domainId)) {
      String login = null;
      if (n.userId() != null) {
        login = logins.get(n.userId());
        if (login == null) {
          final Optional<UserRecord> u = Users.byId(c, n.userId());
          login = u.map(UserRecord::loginName).orElse(null);
          if (login != null) {
            logins.put(n.userId(), login);
          }
        }
      }
      final List<Prefix> addresses = new ArrayList<>();
      if (n.ipv4() != null) {
        addresses.add(Prefix.parse(n.ipv4() + "/32"));
      }
      if (n.ipv6() != null) {
        addresses.add(Prefix.parse(n.ipv6() + "/128"));
      }
      out.add(
          new PolicyNode(
              n.id(), n.givenName(), login, Set.copyOf(n.tags()), addresses, List.of(), List.of()));
    }
    return out;
  }
}
