package io.weft.control.store;

/** A user of one domain; {@code oidcIssuer}/{@code oidcSubject} are set for OIDC users. */
public record UserRecord(
    long id,
    long domainId,
    String loginName,
    String displayName,
    String oidcIssuer,
    String oidcSubject,
    long createdAt) {}
