package io.weft.control.oidc;

import java.util.List;

/**
 * An OpenID provider to log users in with.
 *
 * @param issuer the issuer URL; discovery reads {@code issuer/.well-known/openid-configuration}
 * @param clientId the client registered at the provider (also the expected audience)
 * @param clientSecret its secret, or null for a public client (PKCE only)
 * @param scopes scopes to ask for ({@code openid} is always included)
 * @param domain the domain that users logging in this way belong to
 */
public record OidcConfig(String issuer, String clientId, String clientSecret, List<String> scopes, String domain) {
  public OidcConfig {
    scopes = scopes == null ? List.of("openid", "profile", "email") : List.copyOf(scopes);
  }

  @Override
  public String toString() {
    return "OidcConfig[issuer=" + issuer + ", clientId=" + clientId + ", domain=" + domain + ", secret hidden]";
  }
}
