/**
 * Serving a BERT model's outputs for texts: {@link org.streambert.bert.inference.BertPredictor} (classification,
 * entities and embeddings for batches of texts, long texts in run_squad.py's windows), its window planning
 * ({@link org.streambert.bert.inference.TextWindows}: a text tokenized once, in windows, before it runs) and the
 * predictor's own stage timings per call ({@link org.streambert.bert.inference.Predictions}). The machinery (window
 * split, batching, entity aggregation, the output assembler) lives in {@code inference.internals}.
 *
 * <p>Depends on {@code model}, {@code heads}, {@code embeddings} and {@code tokenizer}, never on the bundle format: a
 * bundle becomes a predictor in {@code bundle}'s {@code BertBundles.openPredictor}. Used by the programs.
 */
package org.streambert.bert.inference;
