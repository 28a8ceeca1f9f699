package org.streambert.trainer.train;

import java.util.ArrayList;
import java.util.List;
import org.streambert.bert.tokenizer.TextWords;
import org.streambert.trainer.data.LabelSets;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.eval.Entities;
import org.streambert.trainer.eval.Entity;

/**
 * A NER sentence as the text a predictor sees (its tokens joined by single spaces) and that text's words in the
 * serving definition ({@link TextWords}), so training labels, dev evaluation and served entities share one unit.
 *
 * <p>A dataset token is normally one word. A token that itself contains whitespace (possible in tab-separated files,
 * or with no-break spaces) is several words: the first takes the token's tag, the others continue it ({@code I-X}, or
 * {@code O}). A token that is only whitespace has no word.
 *
 * @param text        the tokens joined by single spaces
 * @param words       the words of {@code text}
 * @param wordTags    per word, its IOB2 tag
 * @param tokenWord   per dataset token, its first word, or -1
 * @param tokenStarts per dataset token, its code point start in {@code text}
 * @param tokenEnds   per dataset token, its code point end in {@code text}, exclusive
 */
public record NerText(String text, TextWords words, List<String> wordTags, int[] tokenWord, int[] tokenStarts,
    int[] tokenEnds) {

  /** The text and words of a sentence. */
  public static NerText of(NerSentence sentence) {
    String text = String.join(" ", sentence.tokens());
    TextWords words = TextWords.of(text);
    int n = sentence.size();
    int[] tokenWord = new int[n];
    int[] tokenStarts = new int[n];
    int[] tokenEnds = new int[n];
    List<String> wordTags = new ArrayList<>(words.size());
    int offset = 0;
    int w = 0;
    for (int t = 0; t < n; t++) {
      String token = sentence.tokens().get(t);
      tokenStarts[t] = offset;
      offset += token.codePointCount(0, token.length());
      tokenEnds[t] = offset;
      offset++; // the joining space
      tokenWord[t] = w < words.size() && words.start(w) < tokenEnds[t] ? w : -1;
      String tag = sentence.tags().get(t);
      String continuation = tag.equals(LabelSets.OUTSIDE) ? tag : "I-" + tag.substring(2);
      for (boolean first = true; w < words.size() && words.start(w) < tokenEnds[t]; w++, first = false) {
        wordTags.add(first ? tag : continuation);
      }
    }
    return new NerText(text, words, List.copyOf(wordTags), tokenWord, tokenStarts, tokenEnds);
  }

  /**
   * The gold entities (conlleval's chunks of the dataset tags) as code point spans of {@code text}: from the first
   * word of the entity's first token to the end of the last word of its last token, i.e. whole words, which is what a
   * served entity must match exactly.
   */
  public List<Entity> goldSpans(List<String> tags) {
    List<Entity> spans = new ArrayList<>();
    for (Entity chunk : Entities.fromIob2(tags)) {
      int start = -1;
      int end = -1;
      for (int t = chunk.start(); t < chunk.end(); t++) {
        for (int w = tokenWord[t]; w >= 0 && w < words.size() && words.start(w) < tokenEnds[t]; w++) {
          start = start < 0 ? words.start(w) : start;
          end = words.end(w);
        }
      }
      if (start < 0) { // an entity of whitespace-only tokens: keep it (as a miss) on the tokens' span
        start = tokenStarts[chunk.start()];
        end = Math.max(tokenEnds[chunk.end() - 1], start + 1);
      }
      spans.add(new Entity(chunk.type(), start, end));
    }
    return spans;
  }
}
