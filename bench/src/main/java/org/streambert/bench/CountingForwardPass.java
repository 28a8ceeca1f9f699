package org.streambert.bench;

import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;

/**
 * A {@link ForwardPass} that counts the rows it is asked to compute at each padded length, then delegates. Owns the
 * delegate: {@link #close()} closes it. Not thread-safe (the benches call it from one thread).
 */
final class CountingForwardPass implements ForwardPass {
  private final ForwardPass delegate;
  private final long[] rowsAtLength;
  private long runs;

  CountingForwardPass(ForwardPass delegate, int maxLength) {
    this.delegate = delegate;
    this.rowsAtLength = new long[maxLength + 1];
  }

  @Override
  public ForwardResult run(int batch, int seqLen, int[] inputIds, int[] inputMask, int[] segmentIds) {
    rowsAtLength[seqLen] += batch;
    runs++;
    return delegate.run(batch, seqLen, inputIds, inputMask, segmentIds);
  }

  /** FLOPs computed so far, padding included: every row costs flops(padded length). */
  double computedFlops(BertFlops flops) {
    double total = 0;
    for (int t = 1; t < rowsAtLength.length; t++) {
      total += rowsAtLength[t] * flops.sequence(t);
    }
    return total;
  }

  /** Forward passes so far. */
  long runs() {
    return runs;
  }

  /** Forgets the counts. */
  void reset() {
    java.util.Arrays.fill(rowsAtLength, 0);
    runs = 0;
  }

  @Override
  public int hiddenSize() {
    return delegate.hiddenSize();
  }

  @Override
  public int numClasses() {
    return delegate.numClasses();
  }

  @Override
  public int numTokenLabels() {
    return delegate.numTokenLabels();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
