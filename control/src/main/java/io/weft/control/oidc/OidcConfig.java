package io.weft.control.oidc;

import java.util.List;

/**
 * An OpenID provider to log users in with, and who of its accounts may join.
 *
 * <p>A login is admitted when {@code allowAny} is set, or the account's verified email is one of
 * {@code allowedUsers}, or its verified email's domain is one of {@code allowedDomains}, or one of
 * its groups (claim {@code groupsClaim}) is one of {@code allowedGroups}. With none of them set,
 * every login is refused: an open provider (any Google account) must not admit the world.
 *
 * @param issuer the issuer URL; discovery reads {@code issuer/.well-known/openid-configuration}
 * @param clientId the client registered at the provider (also the expected audience)
 * @param clientSecret its secret, or null for a public client (PKCE only)
 * @param scopes scopes to ask for ({@code openid} is always included)
 * @param domain the domain that users logging in this way belong to
 * @param allowedUsers email addresses admitted (compared ignoring case; verified emails only)
 * @param allowedDomains email domains admitted, like {@code example.com} (verified emails only)
 * @param allowedGroups group names admitted, read from the ID token's {@code groupsClaim}
 * @param groupsClaim the claim holding the account's groups (a string or an array of strings)
 * @param allowAny admit every account of the provider
 */
public record OidcConfig(
    String issuer,
    String clientId,
    String clientSecret,
    List<String> scopes,
    String domain,
    List<String> allowedUsers,
    List<String> allowedDomains,
    List<String> allowedGroups,
    String groupsClaim,
    boolean allowAny) {
  /** The groups claim when none is configured. */
  public static final String DEFAULT_GROUPS_CLAIM = "groups";

  public OidcConfig {
    scopes = scopes == null ? List.of("openid", "profile", "email") : List.copyOf(scopes);
    allowedUsers = allowedUsers == null ? List.of() : List.copyOf(allowedUsers);
    allowedDomains = allowedDomains == null ? List.of() : List.copyOf(allowedDomains);
    allowedGroups = allowedGroups == null ? List.of() : List.copyOf(allowedGroups);
    groupsClaim = groupsClaim == null || groupsClaim.isBlank() ? DEFAULT_GROUPS_CLAIM : groupsClaim;
  }

  /** A provider none of whose accounts is admitted yet (see the {@code allowing} methods). */
  public OidcConfig(
      String issuer, String clientId, String clientSecret, List<String> scopes, String domain) {
    this(issuer, clientId, clientSecret, scopes, domain, null, null, null, null, false);
  }

  /** Whether any account could be admitted (some allow-list or {@code allowAny} is set). */
  public boolean admitsAnyone() {
    return allowAny
        || !allowedUsers.isEmpty()
        || !allowedDomains.isEmpty()
        || !allowedGroups.isEmpty();
  }

  public OidcConfig allowingAny() {
    return new OidcConfig(
        issuer,
        clientId,
        clientSecret,
        scopes,
        domain,
        allowedUsers,
        allowedDomains,
        allowedGroups,
        groupsClaim,
        true);
  }

  public OidcConfig allowingUsers(List<String> users) {
    return new OidcConfig(
        issuer,
        clientId,
        clientSecret,
        scopes,
        domain,
        users,
        allowedDomains,
        allowedGroups,
        groupsClaim,
        allowAny);
  }

  public OidcConfig allowingDomains(List<String> domains) {
    return new OidcConfig(
        issuer,
        clientId,
        clientSecret,
        scopes,
        domain,
        allowedUsers,
        domains,
        allowedGroups,
        groupsClaim,
        allowAny);
  }

  /**
   * Admits members of {@code groups} as named by {@code claim} (null: {@value
   * #DEFAULT_GROUPS_CLAIM}).
   */
  public OidcConfig allowingGroups(String claim, List<String> groups) {
    return new OidcConfig(
        issuer,
        clientId,
        clientSecret,
        scopes,
        domain,
        allowedUsers,
        allowedDomains,
        groups,
        claim,
        allowAny);
  }

  @Override
  public String toString() {
    return "OidcConfig[issuer="
        + issuer
        + ", clientId="
        + clientId
        + ", domain="
        + domain
        + ", allowedUsers="
        + allowedUsers
        + ", allowedDomains="
        + allowedDomains
        + ", allowedGroups="
        + allowedGroups
        + " (claim "
        + groupsClaim
        + "), allowAny="
        + allowAny
        + ", secret hidden]";
  }
}
