package org.streambert.bert.model;

/**
 * One batched forward pass of a BERT model with its heads. Thread-safe; closing it while a {@link #run} is in
 * flight waits for that run. Inputs are row-major int arrays of shape [batch, seqLen]; the implementation owns and
 * closes every native tensor it creates, and returns plain Java arrays.
 */
public interface ForwardPass extends AutoCloseable {

  /**
   * Runs the encoder and every head in one pass.
   *
   * @param inputIds   [B*T] vocabulary ids, padded with the pad id
   * @param inputMask  [B*T] 1 for real tokens, 0 for padding
   * @param segmentIds [B*T] 0 for sentence A, 1 for sentence B
   */
  ForwardResult run(int batch, int seqLen, int[] inputIds, int[] inputMask, int[] segmentIds);

  /**
   * {@link #run(int, int, int[], int[], int[])}, also returning the last encoder layer
   * ({@link ForwardResult#sequence()}) when {@code withSequence} (for sentence-transformers pooling).
   *
   * @throws UnsupportedOperationException when {@code withSequence} and this pass cannot return it (the default)
   */
  default ForwardResult run(int batch, int seqLen, int[] inputIds, int[] inputMask, int[] segmentIds,
      boolean withSequence) {
    if (withSequence) {
      throw new UnsupportedOperationException(getClass().getSimpleName() + " does not return the sequence output");
    }
    return run(batch, seqLen, inputIds, inputMask, segmentIds);
  }

  /** Width of the pooled output (hidden size H). */
  int hiddenSize();

  /** Number of sequence classes C, 0 when the model has no classification head. */
  int numClasses();

  /** Number of token labels K, 0 when the model has no token classification head. */
  int numTokenLabels();

  @Override
  void close();
}
