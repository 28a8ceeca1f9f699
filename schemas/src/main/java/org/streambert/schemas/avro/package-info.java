/**
 * The Avro records of the project's topics, generated from {@code src/main/avro} ({@code TextRecord},
 * {@code EnrichedText}, {@code ModelCheckpoint}, {@code TrainingExample}, {@code TrainingRun} and their parts). Add
 * fields only with defaults: the registry enforces BACKWARD compatibility. Depends on Avro only.
 */
package org.streambert.schemas.avro;
