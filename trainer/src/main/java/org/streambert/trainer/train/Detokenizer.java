package org.streambert.trainer.train;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns the tokens of a tokenized sentence back into text as news and web text is written, tracking the code points of
 * each token, so that served entities can be scored against the gold tokens on the text users actually send.
 *
 * <p>Tokens are joined by single spaces, except: no space before {@code , . ; : ! ? % ) ] } ...}, a closing quote
 * ({@code ''}, {@code '}, a closing {@code "}), or a clitic ({@code 's 'm 'd 'll 're 've n't}); no space after
 * {@code ( [ { $ ``} or an opening {@code "}. Straight double quotes alternate, opening first. Nothing else changes:
 * {@code -}, {@code --} and {@code &} keep their spaces.
 */
public final class Detokenizer {

  private static final Set<String> NO_SPACE_BEFORE =
      Set.of(",", ".", ";", ":", "!", "?", "%", ")", "]", "}", "...", "\u2026", "''", "'", "\u201D", "\u2019");
  private static final Set<String> NO_SPACE_AFTER = Set.of("(", "[", "{", "$", "``", "\u201C", "\u2018");
  private static final Set<String> CLITICS = Set.of("'s", "'m", "'d", "'ll", "'re", "'ve", "n't");

  /** A text and the code point span of each token in it. */
  public record Detokenized(String text, int[] starts, int[] ends) {}

  private Detokenizer() {}

  public static Detokenized detokenize(List<String> tokens) {
    StringBuilder text = new StringBuilder();
    int[] starts = new int[tokens.size()];
    int[] ends = new int[tokens.size()];
    int length = 0;
    boolean glueNext = true; // no space before the first token
    boolean quoteOpen = false;
    for (int t = 0; t < tokens.size(); t++) {
      String token = tokens.get(t);
      boolean glue = glueNext || NO_SPACE_BEFORE.contains(token)
          || CLITICS.contains(token.toLowerCase(Locale.ROOT).replace('\u2019', '\''));
      boolean opensQuote = false;
      if (token.equals("\"")) {
        opensQuote = !quoteOpen;
        glue = glueNext || quoteOpen;
        quoteOpen = !quoteOpen;
      }
      if (!glue) {
        text.append(' ');
        length++;
      }
      starts[t] = length;
      text.append(token);
      length += token.codePointCount(0, token.length());
      ends[t] = length;
      glueNext = opensQuote || NO_SPACE_AFTER.contains(token);
    }
    return new Detokenized(text.toString(), starts, ends);
  }
}
