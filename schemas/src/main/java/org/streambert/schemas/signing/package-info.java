/**
 * Ed25519 signatures over checkpoint events: the trainer's {@code SigningKey}, the serving side's
 * {@code TrustedKeys}, and {@code CheckpointSignatures} (the exact bytes signed, signing and verifying), on shared key
 * primitives. Depends on {@code schemas.avro} only.
 */
package org.streambert.schemas.signing;
