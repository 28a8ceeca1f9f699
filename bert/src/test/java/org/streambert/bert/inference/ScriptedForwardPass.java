package org.streambert.bert.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;

/**
 * Test forward pass whose outputs are known functions of its input, and which records every call.
 *
 * <ul>
 *   <li>pooled [B, 2]: {@code [number of real tokens incl. [CLS]/[SEP], id of the first token after [CLS]]}</li>
 *   <li>classProbs [B, 2] (labels neg/pos): pos = fraction of real non-special tokens whose id is {@code positiveId}</li>
 *   <li>tokenProbs [B, T, K]: {@code tokenScorer.probs(id, position in the row)}</li>
 * </ul>
 */
final class ScriptedForwardPass implements ForwardPass {

  static final int HIDDEN = 2;

  @FunctionalInterface
  interface TokenScorer {
    float[] probs(int id, int position);
  }

  /** One call: shape and the exact arrays passed. */
  record Call(int batch, int seqLen, int[] ids, int[] mask, int[] segments) {
  }

  private final int numClasses;
  private final int positiveId;
  private final int numTokenLabels;
  private final TokenScorer tokenScorer;
  private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean closed;

  ScriptedForwardPass(int numClasses, int positiveId, int numTokenLabels, TokenScorer tokenScorer) {
    this.numClasses = numClasses;
    this.positiveId = positiveId;
    this.numTokenLabels = numTokenLabels;
    this.tokenScorer = tokenScorer;
  }

  List<Call> calls() {
    return List.copyOf(calls);
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public ForwardResult run(int batch, int seqLen, int[] inputIds, int[] inputMask, int[] segmentIds) {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    calls.add(new Call(batch, seqLen, inputIds.clone(), inputMask.clone(), segmentIds.clone()));
    float[] pooled = new float[batch * HIDDEN];
    float[] classProbs = numClasses == 0 ? null : new float[batch * numClasses];
    float[] tokenProbs = numTokenLabels == 0 ? null : new float[batch * seqLen * numTokenLabels];
    for (int b = 0; b < batch; b++) {
      int real = 0;
      int positive = 0;
      for (int t = 0; t < seqLen; t++) {
        int id = inputIds[b * seqLen + t];
        if (inputMask[b * seqLen + t] == 1) {
          real++;
          if (id == positiveId) {
            positive++;
          }
        }
        if (tokenProbs != null) {
          float[] probs = tokenScorer.probs(id, t);
          System.arraycopy(probs, 0, tokenProbs, (b * seqLen + t) * numTokenLabels, numTokenLabels);
        }
      }
      pooled[b * HIDDEN] = real;
      pooled[b * HIDDEN + 1] = inputIds[b * seqLen + 1];
      if (classProbs != null) {
        float pos = positive / (float) (real - 2);
        classProbs[b * numClasses] = 1 - pos;
        classProbs[b * numClasses + 1] = pos;
      }
    }
    return new ForwardResult(batch, seqLen, HIDDEN, numClasses, numTokenLabels, pooled, classProbs, tokenProbs);
  }

  @Override
  public int hiddenSize() {
    return HIDDEN;
  }

  @Override
  public int numClasses() {
    return numClasses;
  }

  @Override
  public int numTokenLabels() {
    return numTokenLabels;
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "ScriptedForwardPass" + Arrays.toString(new int[] {numClasses, numTokenLabels});
  }
}
