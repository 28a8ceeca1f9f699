/**
 * Training data: readers for classification TSV/JSONL and CoNLL NER files (with their bounds and
 * {@code DatasetFormatException}), label sets and tag schemes, length-bucketed batching, generated demo data, and the
 * Kafka sources (a topic as a dataset, {@code KafkaExampleSource} for {@code training-examples}).
 */
package org.streambert.trainer.data;
