package org.streambert.trainer.data;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.streambert.bert.tokenizer.Vocab;

/**
 * Builds a small WordPiece vocabulary from training texts, for models trained from scratch (tests, demo): the five
 * special tokens, every word of the texts, and every character both as a word start and as a {@code ##}
 * continuation, so that any text made of the same characters tokenizes without {@code [UNK]}. Words are split like
 * BERT's basic tokenizer does (whitespace; each punctuation character alone). Deterministic: tokens after the
 * specials are sorted.
 */
public final class VocabBuilder {

  private VocabBuilder() {}

  /**
   * @param texts the texts (for NER, the words of each sentence joined by spaces)
   * @param lowerCase whether the tokenizer will lower-case (then the vocabulary is lower-cased too)
   */
  public static Vocab build(Collection<String> texts, boolean lowerCase) {
    TreeSet<String> tokens = new TreeSet<>();
    for (String text : texts) {
      String t = lowerCase ? text.toLowerCase(Locale.ROOT) : text;
      StringBuilder word = new StringBuilder();
      for (int i = 0; i < t.length(); ) {
        int cp = t.codePointAt(i);
        i += Character.charCount(cp);
        String c = new String(Character.toChars(cp));
        if (Character.isWhitespace(cp) || isPunctuation(cp)) {
          flush(word, tokens);
          if (!Character.isWhitespace(cp)) {
            tokens.add(c);
          }
        } else {
          word.append(c);
          tokens.add(c);
          tokens.add("##" + c);
        }
      }
      flush(word, tokens);
    }
    List<String> all = new ArrayList<>(List.of(Vocab.PAD, Vocab.UNK, Vocab.CLS, Vocab.SEP, Vocab.MASK));
    tokens.removeAll(all);
    all.addAll(tokens);
    return Vocab.of(all);
  }

  private static void flush(StringBuilder word, TreeSet<String> tokens) {
    if (word.length() > 0) {
      tokens.add(word.toString());
      word.setLength(0);
    }
  }

  // tokenization.py: _is_punctuation (ASCII symbol ranges count as punctuation)
  private static boolean isPunctuation(int cp) {
    if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
        || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
        || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
        || type == Character.OTHER_PUNCTUATION;
  }
}
