/**
 * The topology's processors and their parts: validation ({@code ValidateProcessor}, {@code InputDeserializer}), the
 * batch step ({@code BatchInferProcessor}, a thin loop over {@code PendingBatches}, {@code WindowPolicy},
 * {@code TokenBudget}, {@code TransactionClock}, {@code BatchInference}, {@code ResultCache}, {@code OutputRecords}, {@code EmbeddingsOutput},
 * {@code LabelingSampler} and {@code DeadLetters}, configured by one {@code BatchOptions}), the checkpoint processor
 * of the global store and Kafka's dead-letter exception handlers. A new output of the batch (another embedding
 * pooling, another sink) is a part here and an option in {@code BatchOptions}.
 *
 * <p>Machinery: used by the API ({@code NlpTopology} builds the processors, {@code NlpConfig} names the handlers) and
 * by {@code cli}'s producer for the input decoder; never by another module. May depend on {@code serving},
 * {@code rollout} (the checkpoint listener), {@code ops} (metrics) and {@code errors}.
 */
package org.streambert.streams.processor.internals;
