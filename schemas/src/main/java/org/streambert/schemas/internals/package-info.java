/**
 * Machinery of the serdes: the wire-format encoder and decoder, and the Avro decoder that enforces the decode limits
 * before anything is allocated. Used by {@code schemas} only; may use its settings and error types and the
 * {@code registry} client.
 */
package org.streambert.schemas.internals;
