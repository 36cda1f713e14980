/**
 * Interactive login through an OpenID provider: OpenID Connect Discovery 1.0 (§4), the
 * authorization code flow (OIDC Core §3.1) with PKCE S256 (RFC 7636), {@code state} against CSRF
 * and {@code nonce} against token replay, and ID-token validation (OIDC Core §3.1.3.7: signature
 * against the provider's JWKS, issuer, audience, {@code azp} (§2, §3.1.3.7 items 4-5), expiry,
 * nonce) with nimbus-jose-jwt. A confirmation page bound to the browser by a cookie and a CSRF
 * token stands between the login link and the provider, so that a link sent to a victim cannot
 * register the sender's machine unseen; admission is by allowed users, email domains (verified
 * emails only, OIDC Core §5.1 {@code email_verified}) or groups, and users are keyed by issuer and
 * subject (§5.7: {@code sub} is the only stable identifier).
 */
package io.weft.control.oidc;
