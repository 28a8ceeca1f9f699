/**
 * Machinery of the rollout: {@code BundleFetcher}, the bounded, hash-checked, cancellable download of a bundle into
 * the cache directory, and {@code AcceptedCheckpoints}, the file that remembers the last accepted event of each slot
 * across restarts. Used by {@code rollout} only; may use {@code rollout}'s policy type.
 */
package org.streambert.streams.rollout.internals;
