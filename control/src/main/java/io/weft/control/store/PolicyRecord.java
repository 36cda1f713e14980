package io.weft.control.store;

/** One version of a domain's policy file: the text as set, who set it and when (ms). */
public record PolicyRecord(
    long id, long domainId, int version, String text, String author, long createdAt) {}
