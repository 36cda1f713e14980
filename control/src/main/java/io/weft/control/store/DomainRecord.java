package io.weft.control.store;

/** A domain (a "tailnet"): nodes only ever learn about nodes of their own domain. */
public record DomainRecord(long id, String name, long createdAt) {}
