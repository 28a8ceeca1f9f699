package org.streambert.schemas.internals;

/**
 * Bounds of one decode, checked before allocating (see {@link BoundedDecoder}).
 *
 * @param maxStringBytes     longest string value, in UTF-8 bytes
 * @param maxBytesLength     longest bytes value
 * @param maxCollectionItems most array and map items in one record, all collections together
 * @param missingIdTtlMs     how long a schema id the registry does not know is answered from memory (0: never)
 */
public record DecodeLimits(int maxStringBytes, int maxBytesLength, int maxCollectionItems, long missingIdTtlMs) {
}
