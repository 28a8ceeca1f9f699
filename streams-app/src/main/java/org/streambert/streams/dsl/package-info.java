/**
 * BERT as a step of your own Kafka Streams topology: {@link org.streambert.streams.dsl.NlpStep} takes a
 * {@code KStream<K, V>} and gives back the enriched stream, the dead letters and the labelling requests
 * ({@link org.streambert.streams.dsl.NlpStepResult}); {@link org.streambert.streams.dsl.NlpStepOptions} holds its
 * settings and {@link org.streambert.streams.dsl.Enrichment} what the model found. This package is the library's
 * public API and follows semantic versioning (see {@code docs/streams-library.md}); its machinery lives in
 * {@code dsl.internals}.
 */
package org.streambert.streams.dsl;
