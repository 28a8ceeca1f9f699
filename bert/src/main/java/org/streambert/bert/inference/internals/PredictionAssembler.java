package org.streambert.bert.inference.internals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.streambert.bert.embeddings.EmbeddingPooling;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.AggregationStrategy;
import org.streambert.bert.inference.Entity;
import org.streambert.bert.inference.LabelScore;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.inference.internals.Windows.Span;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.tokenizer.SpecialTokens;
import org.streambert.bert.tokenizer.WordPieces;

/**
 * The output side of the forward pass (DJL's {@code Translator.processOutput}): checks a batch's outputs, takes each
 * window's rows, and turns a text's windows into its {@link Prediction} — class scores and labels, entities over the
 * merged token labels (each token from the window where it has the most context), and the pooled embedding. The
 * predictor only orchestrates around it. Immutable and thread-safe.
 */
public final class PredictionAssembler {

  /**
   * What the forward pass returned for one window of a text.
   *
   * @param span       the window's word pieces in its text
   * @param pooled     [H] the window's embedding before windows are combined
   * @param classProbs [C] class probabilities, or null without a classification head
   * @param tokenProbs [len, K] token label probabilities of the window's real tokens, or null without a token head
   */
  public record WindowOutput(Span span, float[] pooled, float[] classProbs, float[] tokenProbs) {
  }

  private final ClassificationHead classificationHead;
  private final TokenClassificationHead tokenHead;
  private final EmbeddingSpec embeddings;
  private final SpecialTokens special;
  private final float multiLabelThreshold;
  private final EntityAggregator aggregator;

  /**
   * @param classificationHead names the classes; null to ignore class outputs
   * @param tokenHead          names the token labels; null to ignore token outputs
   */
  public PredictionAssembler(ClassificationHead classificationHead, TokenClassificationHead tokenHead,
      EmbeddingSpec embeddings, SpecialTokens special, float multiLabelThreshold, AggregationStrategy aggregation) {
    this.classificationHead = classificationHead;
    this.tokenHead = tokenHead;
    this.embeddings = embeddings;
    this.special = special;
    this.multiLabelThreshold = multiLabelThreshold;
    this.aggregator = tokenHead == null ? null : new EntityAggregator(tokenHead.labels(), aggregation);
  }

  /**
   * Row {@code row} of a batch's result, checked first ({@link #checkShape}) by the caller: the window's embedding
   * (pooled output, or its tokens pooled when the embedding needs the sequence), class and token probabilities.
   */
  public WindowOutput window(ForwardResult result, int row, int seqLen, int h, Span span) {
    EmbeddingPooling pooling = embeddings.pooling();
    float[] pooled = pooling.needsSequence()
        ? pooling.poolRow(result.sequence(), row, seqLen, h, span.length() + special.singleCount(), null, 0) // [H]
        : Arrays.copyOfRange(result.pooled(), row * h, (row + 1) * h);                              // [H]
    int c = classCount();
    int k = tokenLabelCount();
    float[] classProbs = null;
    float[] tokenProbs = null;
    if (c > 0) {
      classProbs = Arrays.copyOfRange(result.classProbs(), row * c, (row + 1) * c);         // [C]
    }
    if (k > 0) {
      // Skip the prefix ([CLS], <s>); keep the window's real tokens only.
      int from = (row * seqLen + special.prefixLength()) * k;
      tokenProbs = Arrays.copyOfRange(result.tokenProbs(), from, from + span.length() * k); // [len, K]
    }
    return new WindowOutput(span, pooled, classProbs, tokenProbs);
  }

  /**
   * Checks that a batch of {@code b} windows padded to {@code seqLen} came back in the shapes the heads and the
   * embedding need.
   *
   * @throws IllegalStateException naming the first output of the wrong shape
   */
  public void checkShape(ForwardResult result, int b, int seqLen, int h) {
    int c = classCount();
    int k = tokenLabelCount();
    String problem = null;
    if (result == null) {
      problem = "no result";
    } else if (result.batch() != b || result.seqLen() != seqLen) {
      problem = "batch/seqLen " + result.batch() + "x" + result.seqLen() + " for input " + b + "x" + seqLen;
    } else if (result.pooled() == null || result.pooled().length != b * h) {
      problem = "pooled output not of shape [" + b + ", " + h + "]";
    } else if (c > 0 && (result.classProbs() == null || result.classProbs().length != b * c)) {
      problem = "class probabilities not of shape [" + b + ", " + c + "]";
    } else if (k > 0 && (result.tokenProbs() == null || result.tokenProbs().length != b * seqLen * k)) {
      problem = "token probabilities not of shape [" + b + ", " + seqLen + ", " + k + "]";
    }
    if (problem != null) {
      throw new IllegalStateException("forward pass returned " + problem);
    }
    if (embeddings.pooling().needsSequence()
        && (result.sequence() == null || result.sequence().length != b * seqLen * h)) {
      throw new IllegalStateException("forward pass returned no sequence output of shape [" + b + ", " + seqLen + ", "
          + h + "]");
    }
  }

  /** One text's prediction from its windows' outputs ({@code windows} in the order of {@code spans}). */
  public Prediction assemble(String text, WordPieces wp, List<Span> spans, List<WindowOutput> windows) {
    float[] weights = new float[windows.size()];
    for (int s = 0; s < weights.length; s++) {
      weights[s] = windows.get(s).span().length();
    }
    List<float[]> vectors = windows.stream().map(WindowOutput::pooled).toList();
    float[] embedding = embeddings.finish((embeddings.pooling() == EmbeddingPooling.MAX ? elementwiseMax(vectors)
        : weightedMean(vectors, weights)).clone());

    LabelScore label = null;
    List<LabelScore> labelScores = List.of();
    List<String> active = List.of();
    if (classificationHead != null) {
      float[] probs = weightedMean(windows.stream().map(WindowOutput::classProbs).toList(), weights);
      List<LabelScore> scores = new ArrayList<>(probs.length);
      for (int j = 0; j < probs.length; j++) {
        scores.add(new LabelScore(classificationHead.labels().get(j), probs[j]));
      }
      labelScores = scores;
      label = scores.stream().reduce((a, x) -> x.score() > a.score() ? x : a).orElseThrow();
      if (classificationHead.multiLabel()) {
        active = scores.stream().filter(s -> s.score() >= multiLabelThreshold)
            .sorted(Comparator.comparingDouble(LabelScore::score).reversed()).map(LabelScore::label).toList();
      } else {
        active = List.of(label.label());
      }
    }

    List<Entity> entities = List.of();
    if (tokenHead != null) {
      int k = tokenHead.size();
      int[] best = Windows.maxContextSpan(spans, wp.size());
      float[] merged = new float[wp.size() * k];           // [n, K]
      for (int t = 0; t < wp.size(); t++) {
        WindowOutput w = windows.get(best[t]);
        System.arraycopy(w.tokenProbs(), (t - w.span().start()) * k, merged, t * k, k);
      }
      entities = aggregator.aggregate(text, wp.starts(), wp.ends(), merged);
    }
    return new Prediction(label, labelScores, active, entities, embedding, windows.size() > 1);
  }

  private int classCount() {
    return classificationHead == null ? 0 : classificationHead.size();
  }

  private int tokenLabelCount() {
    return tokenHead == null ? 0 : tokenHead.size();
  }

  /** The element-wise maximum of the rows (max pooling over all windows' tokens). */
  private static float[] elementwiseMax(List<float[]> rows) {
    float[] max = rows.get(0).clone();
    for (float[] row : rows.subList(1, rows.size())) {
      for (int j = 0; j < max.length; j++) {
        max[j] = Math.max(max[j], row[j]);
      }
    }
    return max;
  }

  /** Rows averaged with the given weights; a single row is returned as is. */
  private static float[] weightedMean(List<float[]> rows, float[] weights) {
    if (rows.size() == 1) {
      return rows.get(0);
    }
    int width = rows.get(0).length;
    double[] sum = new double[width];
    double total = 0;
    for (int r = 0; r < rows.size(); r++) {
      for (int j = 0; j < width; j++) {
        sum[j] += weights[r] * (double) rows.get(r)[j];
      }
      total += weights[r];
    }
    float[] mean = new float[width];
    for (int j = 0; j < width; j++) {
      mean[j] = (float) (sum[j] / total);
    }
    return mean;
  }
}
