package org.streambert.bert.qa;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * n-best span decoding over every window of one question, as run_squad.py's {@code write_predictions}: in each window
 * take the {@code nBestSize} highest start logits and end logits, keep the pairs whose start and end are context
 * tokens, whose start is at a max-context position of that window, with {@code start <= end} and at most
 * {@code maxAnswerLength} tokens; rank them by {@code startLogit + endLogit}, drop repeated answer texts, keep
 * {@code nBestSize}, and give each the softmax of its logit over the kept ones. Stateless and thread-safe.
 */
public final class SpanDecoder {
  private final int nBestSize;
  private final int maxAnswerLength;

  public SpanDecoder(QaOptions options) {
    this(options.nBestSize(), options.maxAnswerLength());
  }

  public SpanDecoder(int nBestSize, int maxAnswerLength) {
    if (nBestSize < 1 || maxAnswerLength < 1) {
      throw new IllegalArgumentException("nBestSize and maxAnswerLength must be positive, got " + nBestSize + ", "
          + maxAnswerLength);
    }
    this.nBestSize = nBestSize;
    this.maxAnswerLength = maxAnswerLength;
  }

  /**
   * The n-best answers, best first; empty when no window admits a valid span.
   *
   * @param context     the context the windows were cut from
   * @param windows     the question's windows
   * @param startLogits per window, start logits of at least its positions (extra padding positions are ignored)
   * @param endLogits   per window, end logits likewise
   */
  public List<QaAnswer> decode(String context, List<QaWindow> windows, List<float[]> startLogits,
      List<float[]> endLogits) {
    Objects.requireNonNull(context, "context");
    if (windows.size() != startLogits.size() || windows.size() != endLogits.size()) {
      throw new IllegalArgumentException(windows.size() + " windows but " + startLogits.size() + " start and "
          + endLogits.size() + " end logit rows");
    }
    record Candidate(QaWindow window, int start, int end, double logit) {
    }
    List<Candidate> prelim = new ArrayList<>();
    for (int w = 0; w < windows.size(); w++) {
      QaWindow window = windows.get(w);
      float[] s = startLogits.get(w);
      float[] e = endLogits.get(w);
      if (s.length < window.length() || e.length < window.length()) {
        throw new IllegalArgumentException("window " + w + " has " + window.length() + " positions but "
            + s.length + " start and " + e.length + " end logits");
      }
      for (int start : best(s, window.length())) {
        if (!window.inContext(start) || !window.maxContext()[start]) {
          continue;
        }
        for (int end : best(e, window.length())) {
          if (!window.inContext(end) || end < start || end - start + 1 > maxAnswerLength) {
            continue;
          }
          prelim.add(new Candidate(window, start, end, (double) s[start] + e[end]));
        }
      }
    }
    prelim.sort(Comparator.comparingDouble(Candidate::logit).reversed());
    int[] cps = context.codePoints().toArray();
    List<Candidate> kept = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Candidate c : prelim) {
      if (kept.size() >= nBestSize) {
        break;
      }
      int from = c.window().contextStarts()[c.start()];
      int to = c.window().contextEnds()[c.end()];
      if (to > cps.length || from > to) {
        throw new IllegalArgumentException("window offsets [" + from + ", " + to + ") do not fit a context of "
            + cps.length + " code points");
      }
      String text = new String(cps, from, to - from);
      if (seen.add(text)) {
        kept.add(c);
        texts.add(text);
      }
    }
    if (kept.isEmpty()) {
      return List.of();
    }
    double max = kept.get(0).logit();
    double sum = 0;
    double[] exp = new double[kept.size()];
    for (int i = 0; i < exp.length; i++) {
      exp[i] = Math.exp(kept.get(i).logit() - max);
      sum += exp[i];
    }
    List<QaAnswer> out = new ArrayList<>(kept.size());
    for (int i = 0; i < kept.size(); i++) {
      Candidate c = kept.get(i);
      out.add(new QaAnswer(texts.get(i), c.window().contextStarts()[c.start()], c.window().contextEnds()[c.end()],
          exp[i] / sum, c.logit()));
    }
    return out;
  }

  /** Indexes of the {@code nBestSize} highest of the first {@code n} logits, highest first (run_squad.py: _get_best_indexes). */
  private int[] best(float[] logits, int n) {
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    java.util.Arrays.sort(idx, (a, b) -> Float.compare(logits[b], logits[a]));
    int k = Math.min(nBestSize, n);
    int[] out = new int[k];
    for (int i = 0; i < k; i++) {
      out[i] = idx[i];
    }
    return out;
  }
}
