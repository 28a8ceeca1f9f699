package org.streambert.bert.model;

/**
 * Outputs of one {@link ForwardPass#run}, as flat row-major arrays.
 *
 * @param pooled     [B, H] pooled output (tanh dense on [CLS])
 * @param classProbs [B, C] class probabilities (softmax, or sigmoid for multi-label); null without that head
 * @param tokenProbs [B, T, K] per-token label probabilities (softmax); null without that head
 * @param sequence   [B, T, H] last encoder layer; null unless asked for
 *                   ({@link ForwardPass#run(int, int, int[], int[], int[], boolean)})
 */
public record ForwardResult(
    int batch, int seqLen, int hiddenSize, int numClasses, int numTokenLabels,
    float[] pooled, float[] classProbs, float[] tokenProbs, float[] sequence) {

  /** A result without the sequence output. */
  public ForwardResult(int batch, int seqLen, int hiddenSize, int numClasses, int numTokenLabels, float[] pooled,
      float[] classProbs, float[] tokenProbs) {
    this(batch, seqLen, hiddenSize, numClasses, numTokenLabels, pooled, classProbs, tokenProbs, null);
  }
}
