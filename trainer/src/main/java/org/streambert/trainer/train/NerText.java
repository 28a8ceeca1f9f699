package org.streambert.trainer.train;

import java.util.ArrayList;
import java.util.List;
import org.streambert.bert.tokenizer.TextWords;
import org.streambert.trainer.data.LabelSets;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.eval.Entities;
import org.streambert.trainer.eval.TypedSpan;

/**
 * A NER sentence (or document) as the text a predictor sees, with the code points of each dataset token in it and that
 * text's words in the serving definition ({@link TextWords}), so training labels, dev evaluation and served entities
 * share one unit.
 *
 * <p>A word belongs to the dataset token in which it starts. A token is normally one word ({@code TextWords} keeps the
 * tokens of tokenized text); a token that the word rules split ({@code don't} or {@code (@user} in a tweet corpus, a
 * token holding a no-break space) is several words, tagged as {@code label} below says. A token that is only whitespace, or
 * that starts inside a word begun by the token before it ({@code 57,600} after {@code $} in a detokenized
 * {@code $57,600}), has no word.
 *
 * @param text        the text
 * @param words       the words of {@code text}
 * @param wordTags    per word, its IOB2 tag
 * @param tokenWord   per dataset token, the word that carries its tag, or -1
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
    String[] wordTags = new String[words.size()];
    java.util.Arrays.fill(wordTags, LabelSets.OUTSIDE); // text outside every token
    int w = 0;
    for (int t = 0; t < n; t++) {
      while (w < words.size() && words.start(w) < tokenStarts[t]) {
        w++;
      }
      int from = w;
      while (w < words.size() && words.start(w) < tokenEnds[t]) {
        w++;
      }
      if (from == w) {
        continue; // no word starts in this token
      }
      String tag = tags.get(t);
      boolean continues = t + 1 < n && tag.length() > 2 && tags.get(t + 1).equals("I-" + tag.substring(2));
      tokenWord[t] = label(words, from, w, tag, continues, wordTags);
    }
    return new NerText(text, words, List.of(wordTags), tokenWord, tokenStarts, tokenEnds);
  }

  /**
   * Tags the words {@code [from, to)} of one token and returns the word that carries its tag. One word: the tag. Several
   * (a token the word rules split): the tag goes on the first word that is not punctuation or a clitic; words before it
   * are {@code O}, or {@code I-X} when the token continues an entity; later words continue it ({@code I-X}), except
   * punctuation and clitics after its last such word, which are {@code O} unless the next token continues the entity.
   * So {@code (@user} tagged B-person trains {@code (} O and {@code @user} B-person, as it is served.
   */
  private static int label(TextWords words, int from, int to, String tag, boolean nextContinues, String[] wordTags) {
    int first = from;
    while (first < to && words.isPunctuationOrClitic(first)) {
      first++;
    }
    int last = to - 1;
    while (last > first && words.isPunctuationOrClitic(last)) {
      last--;
    }
    if (first == to) { // only punctuation: the first word takes the tag, as the dataset has it
      first = from;
      last = to - 1;
    }
    boolean outside = tag.equals(LabelSets.OUTSIDE);
    String inside = outside ? tag : "I-" + tag.substring(2);
    for (int w = from; w < to; w++) {
      if (w == first) {
        wordTags[w] = tag;
      } else if (w < first) {
        wordTags[w] = tag.startsWith("I-") ? inside : LabelSets.OUTSIDE;
      } else if (w <= last) {
        wordTags[w] = inside;
      } else {
        wordTags[w] = nextContinues ? inside : LabelSets.OUTSIDE;
      }
    }
    return first;
  }

  /**
   * The gold entities (conlleval's chunks of the dataset tags) as code point spans of {@code text}: the words of the
   * entity's tokens without punctuation or clitic words at its edges ({@link TextWords#isPunctuationOrClitic}), as
   * served entities are; an entity whose tokens start no word keeps its tokens' span.
   */
  public List<TypedSpan> goldSpans(List<String> tags) {
    return goldSpans(tags, 0);
  }

  /** {@link #goldSpans(List)} of the sentence whose tags are {@code tags}, starting at token {@code firstToken}. */
  public List<TypedSpan> goldSpans(List<String> tags, int firstToken) {
    List<TypedSpan> spans = new ArrayList<>();
    int w = 0;
    for (TypedSpan chunk : Entities.fromIob2(tags)) {
      int from = tokenStarts[firstToken + chunk.start()];
      int to = tokenEnds[firstToken + chunk.end() - 1];
      while (w > 0 && words.start(w - 1) >= from) {
        w--;
      }
      while (w < words.size() && words.start(w) < from) {
        w++;
      }
      int first = w;
      int last = w - 1;
      while (last + 1 < words.size() && words.start(last + 1) < to) {
        last++;
      }
      while (first < last && words.isPunctuationOrClitic(first)) {
        first++;
      }
      while (last > first && words.isPunctuationOrClitic(last)) {
        last--;
      }
      if (first <= last) {
        spans.add(new TypedSpan(chunk.type(), words.start(first), words.end(last)));
      } else {
        spans.add(new TypedSpan(chunk.type(), from, Math.max(to, from + 1)));
      }
    }
    return spans;
  }
}
