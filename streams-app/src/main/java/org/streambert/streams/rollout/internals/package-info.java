/**
 * Machinery of the rollout: {@code BundleFetcher}, the bounded, hash-checked, cancellable download of a bundle into
 * the cache directory. Used by {@code rollout} only; may use {@code rollout}'s policy type.
 */
package org.streambert.streams.rollout.internals;
