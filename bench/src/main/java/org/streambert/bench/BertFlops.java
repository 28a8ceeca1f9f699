package org.streambert.bench;

import java.util.List;
import org.streambert.bert.model.BertConfig;

/**
 * The standard BERT FLOP count (a multiply-add is 2 FLOPs), for a sequence of n real tokens (including [CLS] and
 * [SEP]):
 *
 * <pre>
 *   flops(n) = n * 2 * L * (4 H^2 + 2 H I)      Q, K, V, attention output and the two feed-forward matmuls
 *            + L * 4 * n^2 * H                  Q K^T and probs V over all heads (the T-dependent terms)
 *            + n * 2 * H * K                    token classification head
 *            + 2 * H^2 + 2 * H * C              pooler and sequence classification head (once per sequence)
 * </pre>
 *
 * <p>Element-wise work (embedding sums, LayerNorm, GELU, softmax, bias adds) is not counted, as is usual. For BERT-base
 * (L=12, H=768, I=3072) the per-token matmul term is 170 MFLOP; at n=25 the attention term adds 0.5%.
 */
final class BertFlops {
  private final int layers;
  private final long hidden;
  private final long intermediate;
  private final int classes;
  private final int tokenLabels;

  BertFlops(BertConfig cfg, int classes, int tokenLabels) {
    this.layers = cfg.numHiddenLayers();
    this.hidden = cfg.hiddenSize();
    this.intermediate = cfg.intermediateSize();
    this.classes = classes;
    this.tokenLabels = tokenLabels;
  }

  /** The formula, for printing. */
  static String formula() {
    return "flops(n) = n*2L(4H^2 + 2HI) + 4L*n^2*H + n*2HK + 2H^2 + 2HC  (n real tokens incl. [CLS]/[SEP])";
  }

  /** FLOPs of one sequence of {@code n} tokens. */
  double sequence(int n) {
    double perToken = 2.0 * layers * (4 * hidden * hidden + 2 * hidden * intermediate) + 2.0 * hidden * tokenLabels;
    return n * perToken + 4.0 * layers * (double) n * n * hidden + 2.0 * hidden * hidden + 2.0 * hidden * classes;
  }

  /**
   * Useful FLOPs of a text of {@code pieces} word pieces split into windows of at most {@code maxTokens} pieces
   * stepping {@code min(length, stride)} (BertPredictor's windows, run_squad.py's doc spans); each window is a
   * sequence with its own [CLS] and [SEP].
   */
  double text(int pieces, int maxTokens, int stride) {
    double total = 0;
    int start = 0;
    while (start < pieces) {
      int length = Math.min(pieces - start, maxTokens);
      total += sequence(length + 2);
      if (start + length == pieces) {
        break;
      }
      start += Math.min(length, stride);
    }
    return total;
  }

  /** Useful FLOPs of texts with the given lengths (word pieces + 2, as in {@link LengthMix.Corpus}). */
  double texts(List<Integer> lengthsWithSpecials, int maxLength, int stride) {
    double total = 0;
    for (int len : lengthsWithSpecials) {
      total += text(len - 2, maxLength - 2, stride);
    }
    return total;
  }
}
