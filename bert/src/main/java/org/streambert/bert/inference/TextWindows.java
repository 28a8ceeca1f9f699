package org.streambert.bert.inference;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.streambert.bert.inference.internals.Windows;
import org.streambert.bert.inference.internals.Windows.Span;
import org.streambert.bert.tokenizer.WordPieces;

/**
 * A text tokenized once and split into the windows a {@link BertPredictor} runs it in: at most {@code maxLength} minus
 * the tokenizer's special tokens ({@code maxLength - 2} for BERT and RoBERTa) word pieces each, starting {@code docStride} apart (run_squad.py's {@code doc_spans}). Made by
 * {@link BertPredictor#plan}; {@link BertPredictor#predictPlanned} runs it without tokenizing again, so a caller can
 * decide on the windows (bound the work of a record, fill a batch to a token budget) before anything runs. Immutable.
 */
public final class TextWindows {

  private final Object planner;
  private final String text;
  private final WordPieces pieces;
  private final List<Span> spans;
  private final int maxTokens;
  private final int docStride;
  private final long tokenizeNanos;

  TextWindows(Object planner, String text, WordPieces pieces, int maxTokens, int docStride, long tokenizeNanos) {
    this.planner = planner;
    this.text = Objects.requireNonNull(text, "text");
    this.pieces = Objects.requireNonNull(pieces, "pieces");
    this.maxTokens = maxTokens;
    this.docStride = docStride;
    this.spans = Windows.spans(pieces.size(), maxTokens, docStride);
    this.tokenizeNanos = tokenizeNanos;
  }

  /** The text these windows cover: the whole text, or the prefix {@link #firstWindows} cut. */
  public String text() {
    return text;
  }

  /** Its word pieces, without [CLS]/[SEP]. */
  public WordPieces pieces() {
    return pieces;
  }

  public int windowCount() {
    return spans.size();
  }

  /** The longest window in tokens, [CLS] and [SEP] included: the sequence length its batch pads to at least. */
  public int maxWindowLength() {
    return spans.stream().mapToInt(Span::length).max().orElse(0) + 2;
  }

  /** How long tokenizing the text took. */
  public long tokenizeNanos() {
    return tokenizeNanos;
  }

  /**
   * The windows of the longest prefix of the text that runs in at most {@code maxWindows} windows: cut after the last
   * whole word (basic-tokenizer word) those windows cover, so the prefix's word pieces are the first pieces of the
   * text; this object itself when the text fits. The prefix is not tokenized again.
   *
   * @throws IllegalArgumentException if {@code maxWindows < 1}
   */
  public TextWindows firstWindows(int maxWindows) {
    if (maxWindows < 1) {
      throw new IllegalArgumentException("maxWindows must be at least 1");
    }
    if (spans.size() <= maxWindows) {
      return this;
    }
    Span lastWindow = spans.get(maxWindows - 1);
    int covered = lastWindow.start() + lastWindow.length();
    // Drop the word the next piece belongs to if the windows cover only part of it.
    int last = covered - 1;
    int split = pieces.wordIndex()[covered];
    while (last >= 0 && pieces.wordIndex()[last] == split) {
      last--;
    }
    if (last < 0) {
      last = covered - 1; // one word longer than the windows: cut inside it
    }
    int n = last + 1;
    String prefix = text.substring(0, text.offsetByCodePoints(0, pieces.ends()[last]));
    WordPieces head = new WordPieces(Arrays.copyOf(pieces.ids(), n), Arrays.copyOf(pieces.starts(), n),
        Arrays.copyOf(pieces.ends(), n), Arrays.copyOf(pieces.wordIndex(), n));
    return new TextWindows(planner, prefix, head, maxTokens, docStride, tokenizeNanos);
  }

  /** The windows' token spans (for the predictor). */
  List<Span> spans() {
    return spans;
  }

  /** Whether {@code predictor} made these windows (only its own tokenizer and window settings fit them). */
  boolean plannedBy(Object predictor) {
    return planner == predictor;
  }
}
