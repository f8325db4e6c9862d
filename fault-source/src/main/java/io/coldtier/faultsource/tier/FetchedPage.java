package io.coldtier.faultsource.tier;

/** What a tier returned for a page: its version, checksum and whether it is a zero page. */
public record FetchedPage(long version, int checksum, boolean zero) {}
