/**
 * Interactive login through an OpenID provider: OpenID Connect Discovery 1.0 (§4), the
 * authorization code flow (OIDC Core §3.1) with PKCE S256 (RFC 7636), {@code state} against CSRF
 * and {@code nonce} against token replay, and ID-token validation (OIDC Core §3.1.3.7: signature
 * against the provider's JWKS, issuer, audience, expiry, nonce) with nimbus-jose-jwt.
 */
package io.weft.control.oidc;
