package org.streambert.trainer.data;

import java.util.List;

/**
 * One sentence of a NER dataset: words and their IOB2 tags ({@code O}, {@code B-TYPE}, {@code I-TYPE}), one tag per
 * word. Immutable.
 *
 * @param tokens   the words
 * @param tags     one IOB2 tag per word
 * @param text     the raw text the words were split from (each word occurs in it, in order, from code point 0 on),
 *                 e.g. a {@code TrainingExample}'s text; null when the words are all there is (CoNLL files), and then
 *                 the text a predictor sees is the words joined by single spaces
 * @param document the document the sentence belongs to (its neighbours give context), or null
 * @param index    the sentence's position in {@code document}, or -1 without one
 */
public record NerSentence(List<String> tokens, List<String> tags, String text, Document document, int index) {

  public NerSentence {
    tokens = List.copyOf(tokens);
    tags = List.copyOf(tags);
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException("a sentence needs at least one token");
    }
    if (tokens.size() != tags.size()) {
      throw new IllegalArgumentException(
          "tokens and tags differ in length: " + tokens.size() + " tokens, " + tags.size() + " tags");
    }
    if ((document == null) != (index < 0) || document != null && index >= document.size()) {
      throw new IllegalArgumentException("sentence index " + index + " does not fit its document");
    }
  }

  /** A sentence of words only, in no document. */
  public NerSentence(List<String> tokens, List<String> tags) {
    this(tokens, tags, null, null, -1);
  }

  /** This sentence as sentence {@code index} of {@code document}. */
  public NerSentence inDocument(Document document, int index) {
    return new NerSentence(tokens, tags, text, document, index);
  }

  /** Number of words. */
  public int size() {
    return tokens.size();
  }

  /**
   * The sentences of one document in order (without their own document link), shared by its sentences; equal only to
   * itself.
   */
  public static final class Document {
    private final List<NerSentence> sentences;

    public Document(List<NerSentence> sentences) {
      this.sentences = List.copyOf(sentences);
      if (this.sentences.isEmpty()) {
        throw new IllegalArgumentException("a document needs at least one sentence");
      }
    }

    public List<NerSentence> sentences() {
      return sentences;
    }

    public int size() {
      return sentences.size();
    }
  }
}
