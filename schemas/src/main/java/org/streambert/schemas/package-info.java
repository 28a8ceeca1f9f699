/**
 * The contract between the programs, and the serdes that speak it: Confluent wire-format Avro serdes
 * ({@code SpecificAvroSerde}, {@code GenericAvroSerde} and their halves), their settings ({@code AvroSerdeConfig},
 * Confluent's key names), their typed failure ({@code AvroSerdeException}), the topic names and the checkpoint topic's
 * keys. The Avro records themselves are generated into {@code schemas.avro}.
 *
 * <p>This module depends on no other module of the project; everything else may depend on it. Inside it this package
 * uses {@code registry} (the client a serde creates) and its own {@code internals}; no other package uses this one
 * except {@code internals}, which implements it.
 */
package org.streambert.schemas;
