package org.streambert.streams.dsl;

import org.apache.kafka.streams.kstream.KStream;
import org.streambert.schemas.avro.TrainingExample;

/**
 * The streams an NLP step adds to a topology.
 *
 * @param enriched          one record per input record that was enriched: the input's key, the value the step's
 *                          result function made of the input value and its {@link Enrichment}, the input's
 *                          timestamp; in input order per partition (so per key)
 * @param deadLetters       the input records the step will not enrich, as they came in (key and value), with Kafka
 *                          Streams' dead-letter headers ({@code __streams.errors.exception}, {@code .message},
 *                          {@code .topic}, {@code .partition}, {@code .offset}) and the reason in header
 *                          {@code nlp.error.reason} ({@code EMPTY_RECORD}, {@code BLANK_TEXT}, {@code TEXT_TOO_LONG},
 *                          {@code TOO_MANY_WINDOWS}, {@code INFERENCE_FAILED}, {@code PROCESSING_FAILED})
 * @param labellingRequests texts the model was unsure about, keyed by the example id (empty unless
 *                          {@link NlpStepOptions#withLabelling} is set); write them with an Avro serde of
 *                          {@link TrainingExample}
 */
public record NlpStepResult<K, V, R>(KStream<K, R> enriched, KStream<K, V> deadLetters,
    KStream<String, TrainingExample> labellingRequests) {
}
