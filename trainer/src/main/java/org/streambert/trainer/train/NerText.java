package org.streambert.trainer.train;

import java.util.ArrayList;
import java.util.List;
import org.streambert.bert.tokenizer.TextWords;
import org.streambert.trainer.data.LabelSets;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.eval.Entities;
import org.streambert.trainer.eval.Entity;

/**
 * A NER sentence (or document) as the text a predictor sees, with the code points of each dataset token in it and that
 * text's words in the serving definition ({@link TextWords}), so training labels, dev evaluation and served entities
 * share one unit.
 *
 * <p>A word belongs to the dataset token in which it starts. A token is normally one word ({@code TextWords} keeps the
 * tokens of tokenized text); a token that the word rules split ({@code don't} in a tweet corpus, a token holding a
 * no-break space) is several words: the first takes the token's tag, the others continue it ({@code I-X}, or
 * {@code O}). A token that is only whitespace, or that starts inside a word begun by the token before it ({@code 57,600}
 * after {@code $} in a detokenized {@code $57,600}), has no word.
 *
 * @param text        the text
 * @param words       the words of {@code text}
 * @param wordTags    per word, its IOB2 tag
 * @param tokenWord   per dataset token, its first word, or -1
 * @param tokenStarts per dataset token, its code point start in {@code text}
 * @param tokenEnds   per dataset token, its code point end in {@code text}, exclusive
 */
public record NerText(String text, TextWords words, List<String> wordTags, int[] tokenWord, int[] tokenStarts,
    int[] tokenEnds) {

  /**
   * The text of a sentence as it is trained and served: its raw text when it has one ({@link NerSentence#text()}),
   * else its tokens joined by single spaces.
   */
  public static NerText of(NerSentence sentence) {
    int n = sentence.size();
    int[] starts = new int[n];
    int[] ends = new int[n];
    if (sentence.text() != null) {
      String text = sentence.text();
      int from = 0;
      for (int t = 0; t < n; t++) {
        String token = sentence.tokens().get(t);
        int at = text.indexOf(token, from);
        if (at < 0) {
          throw new IllegalArgumentException("token " + t + " '" + token + "' does not occur in order in the text");
        }
        starts[t] = text.codePointCount(0, at);
        ends[t] = starts[t] + token.codePointCount(0, token.length());
        from = at + token.length();
      }
      return of(text, starts, ends, sentence.tags());
    }
    int offset = 0;
    for (int t = 0; t < n; t++) {
      String token = sentence.tokens().get(t);
      starts[t] = offset;
      offset += token.codePointCount(0, token.length());
      ends[t] = offset;
      offset++; // the joining space
    }
    return of(String.join(" ", sentence.tokens()), starts, ends, sentence.tags());
  }

  /** A tokenized sentence detokenized as text is written ({@link Detokenizer}). */
  public static NerText raw(NerSentence sentence) {
    Detokenizer.Detokenized d = Detokenizer.detokenize(sentence.tokens());
    return of(d.text(), d.starts(), d.ends(), sentence.tags());
  }

  /**
   * A text whose dataset tokens lie at the given code point spans (in order, not overlapping).
   *
   * @param tags per token, its IOB2 tag
   */
  public static NerText of(String text, int[] tokenStarts, int[] tokenEnds, List<String> tags) {
    TextWords words = TextWords.of(text);
    int n = tokenStarts.length;
    int[] tokenWord = new int[n];
    java.util.Arrays.fill(tokenWord, -1);
    List<String> wordTags = new ArrayList<>(words.size());
    int t = 0;
    for (int w = 0; w < words.size(); w++) {
      int start = words.start(w);
      while (t < n && tokenEnds[t] <= start) {
        t++;
      }
      if (t < n && tokenStarts[t] <= start) {
        String tag = tags.get(t);
        if (tokenWord[t] < 0) {
          tokenWord[t] = w;
          wordTags.add(tag);
        } else {
          wordTags.add(tag.equals(LabelSets.OUTSIDE) ? tag : "I-" + tag.substring(2));
        }
      } else {
        wordTags.add(LabelSets.OUTSIDE); // text outside every token
      }
    }
    return new NerText(text, words, List.copyOf(wordTags), tokenWord, tokenStarts, tokenEnds);
  }

  /**
   * The gold entities (conlleval's chunks of the dataset tags) as code point spans of {@code text}: from the start of
   * the entity's first token to the end of its last, leaving out tokens at its edges that are only punctuation or
   * clitics ({@link TextWords#isPunctuationOrClitic}), as served entities do.
   */
  public List<Entity> goldSpans(List<String> tags) {
    return goldSpans(tags, 0);
  }

  /** {@link #goldSpans(List)} of the sentence whose tags are {@code tags}, starting at token {@code firstToken}. */
  public List<Entity> goldSpans(List<String> tags, int firstToken) {
    List<Entity> spans = new ArrayList<>();
    for (Entity chunk : Entities.fromIob2(tags)) {
      int first = firstToken + chunk.start();
      int last = firstToken + chunk.end() - 1;
      while (first < last && isPunctuationOrClitic(first)) {
        first++;
      }
      while (last > first && isPunctuationOrClitic(last)) {
        last--;
      }
      int start = tokenStarts[first];
      spans.add(new Entity(chunk.type(), start, Math.max(tokenEnds[last], start + 1)));
    }
    return spans;
  }

  /** Whether every word starting in token {@code t} is punctuation or a clitic (and it has one). */
  private boolean isPunctuationOrClitic(int t) {
    int w = tokenWord[t];
    if (w < 0) {
      return false;
    }
    for (; w < words.size() && words.start(w) < tokenEnds[t]; w++) {
      if (!words.isPunctuationOrClitic(w)) {
        return false;
      }
    }
    return true;
  }
}
