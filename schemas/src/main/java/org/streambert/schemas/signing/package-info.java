/**
 * Ed25519 signatures over checkpoint events: the trainer's {@code SigningKey}, the serving side's
 * {@code TrustedKeys}, {@code CheckpointSignatures} (the exact bytes signed, signing and verifying) and
 * {@code CheckpointSequence} (the signed order of a slot's events, and how a publisher numbers the next), on shared
 * key primitives. The learning loop's inputs are signed with the same keys and routine: {@code ExampleSignatures}
 * (training examples, by labeller keys) and {@code ShadowReportSignatures} (shadow reports, by instance keys).
 * Depends on {@code schemas.avro} and {@code schemas.rollout} only.
 */
package org.streambert.schemas.signing;
