package org.streambert.bert.qa;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.streambert.bert.inference.internals.Windows;
import org.streambert.bert.tokenizer.SpecialTokens;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.WordPieces;

/**
 * Turns a question and its context into model windows, as run_squad.py's {@code convert_examples_to_features}:
 * the question keeps its first {@code maxQueryLength} word pieces; the context is cut into windows of at most
 * {@code maxSeqLength - question - 3} pieces (BERT's {@code [CLS] q [SEP] c [SEP]}; the tokenizer's
 * {@link TextTokenizer#specialTokens()} in general, {@code <s> q </s></s> c </s>} for RoBERTa), each starting {@code docStride} pieces after the previous one; every
 * context token is marked max-context in the window where {@code min(left, right) + 0.01 * windowLength} is highest.
 *
 * <p><b>Answer positions.</b> run_squad.py maps an answer's character offsets to whitespace tokens, then to their
 * word pieces, then tightens the span with {@code _improve_answer_span}. Here the tokenizer already gives every word
 * piece its code-point span in the context, so the answer's tokens are directly the pieces that overlap
 * {@code [answer_start, answer_start + len(text))}: the same result wherever the answer boundaries fall on piece
 * boundaries (almost always), and a piece-exact span without the detour otherwise. The decoded answer is the
 * context between the first and last chosen piece, so it is original text, not a detokenised approximation
 * (run_squad.py's {@code get_final_text} reaches the same by re-aligning).
 *
 * <p>Immutable and thread-safe when the tokenizer is.
 */
public final class QaFeaturizer {
  private final TextTokenizer tokenizer;
  private final QaOptions options;

  public QaFeaturizer(TextTokenizer tokenizer, QaOptions options) {
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.options = Objects.requireNonNull(options, "options");
  }

  public QaOptions options() {
    return options;
  }

  /** Unlabelled windows for inference; empty when the context has no tokens. */
  public List<QaWindow> windows(String question, String context) {
    return build(question, context, -1, -1);
  }

  /**
   * Labelled windows for training: each window's labels point at the answer's first and last tokens, or at [CLS]
   * (0, 0) when the answer does not fit entirely in that window (run_squad.py v1.1's {@code out_of_span}).
   *
   * @param answerStart answer start in code points
   * @param answerEnd   answer end (exclusive) in code points
   * @return the windows, or an empty list when no context token overlaps the answer (e.g. a blank answer), which
   *     run_squad.py also skips
   * @throws IllegalArgumentException when the answer span is not inside the context
   */
  public List<QaWindow> trainingWindows(String question, String context, int answerStart, int answerEnd) {
    int length = context.codePointCount(0, context.length());
    if (answerStart < 0 || answerEnd <= answerStart || answerEnd > length) {
      throw new IllegalArgumentException("answer span [" + answerStart + ", " + answerEnd + ") is not inside a "
          + "context of " + length + " code points");
    }
    return build(question, context, answerStart, answerEnd);
  }

  /** {@link #trainingWindows} for the first answer of a SQuAD example. */
  public List<QaWindow> trainingWindows(SquadExample example) {
    if (example.answers().isEmpty()) {
      throw new IllegalArgumentException("question " + example.id() + " has no answer to train on");
    }
    SquadExample.Answer a = example.answers().get(0);
    return trainingWindows(example.question(), example.context(), a.start(), a.end());
  }

  private List<QaWindow> build(String question, String context, int answerStart, int answerEnd) {
    if (question == null || context == null) {
      throw new IllegalArgumentException("question and context must not be null");
    }
    WordPieces q = tokenizer.tokenize(question);
    WordPieces c = tokenizer.tokenize(context);
    int queryLength = Math.min(q.size(), options.maxQueryLength());
    SpecialTokens special = tokenizer.specialTokens(); // [CLS] question [SEP] context [SEP]; RoBERTa: <s> q </s></s> c </s>
    int maxDocTokens = options.maxSeqLength() - queryLength - special.pairCount();
    if (maxDocTokens < 1) {
      throw new IllegalArgumentException("maxSeqLength " + options.maxSeqLength() + " leaves no room for the context"
          + " beside a question of " + queryLength + " pieces and " + special.pairCount() + " special tokens");
    }
    int answerFirst = -1;
    int answerLast = -1;
    if (answerStart >= 0) {
      for (int i = 0; i < c.size(); i++) {
        if (c.ends()[i] > answerStart && c.starts()[i] < answerEnd) {
          if (answerFirst < 0) {
            answerFirst = i;
          }
          answerLast = i;
        }
      }
      if (answerFirst < 0) {
        return List.of();
      }
    }
    if (c.size() == 0) {
      return List.of();
    }
    List<Windows.Span> spans = Windows.spans(c.size(), maxDocTokens, options.docStride());
    int[] best = Windows.maxContextSpan(spans, c.size());
    List<QaWindow> out = new ArrayList<>(spans.size());
    int offset = special.secondStart(queryLength); // [CLS] question [SEP]
    for (int s = 0; s < spans.size(); s++) {
      Windows.Span span = spans.get(s);
      int n = queryLength + span.length() + special.pairCount();
      int[] ids = new int[n];
      int[] segments = new int[n];
      int[] starts = new int[n];
      int[] ends = new int[n];
      boolean[] maxContext = new boolean[n];
      Arrays.fill(starts, -1);
      Arrays.fill(ends, -1);
      special.putPair(ids, segments, 0, q.ids(), 0, queryLength, c.ids(), span.start(), span.length());
      for (int j = 0; j < span.length(); j++) {
        int token = span.start() + j;
        int pos = offset + j;
        starts[pos] = c.starts()[token];
        ends[pos] = c.ends()[token];
        maxContext[pos] = best[token] == s;
      }
      int startLabel = -1;
      int endLabel = -1;
      if (answerFirst >= 0) {
        int last = span.start() + span.length() - 1;
        boolean inside = answerFirst >= span.start() && answerLast <= last;
        startLabel = inside ? answerFirst - span.start() + offset : 0;
        endLabel = inside ? answerLast - span.start() + offset : 0;
      }
      out.add(new QaWindow(s, ids, segments, starts, ends, maxContext, startLabel, endLabel));
    }
    return out;
  }
}
