package org.streambert.bert.inference;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.WordPieces;

/**
 * Test tokenizer: splits on whitespace, then greedy longest-match WordPiece over a tiny case-sensitive vocabulary
 * ({@code ##} marks continuation pieces); a word that cannot be split becomes one [UNK]. Offsets are code points.
 */
final class TinyWordPieceTokenizer implements TextTokenizer {

  static final int PAD = 0;
  static final int UNK = 1;
  static final int CLS = 2;
  static final int SEP = 3;
  static final int MASK = 4;

  private final List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
  private final Map<String, Integer> ids = new HashMap<>();

  TinyWordPieceTokenizer(String... tokens) {
    vocab.addAll(List.of(tokens));
    for (int i = 0; i < vocab.size(); i++) {
      ids.put(vocab.get(i), i);
    }
  }

  int id(String token) {
    Integer id = ids.get(token);
    if (id == null) {
      throw new IllegalArgumentException("not in test vocab: " + token);
    }
    return id;
  }

  @Override
  public WordPieces tokenize(String text) {
    int[] cps = text.codePoints().toArray();
    List<int[]> out = new ArrayList<>(); // {id, start, end, word}
    int word = 0;
    int i = 0;
    while (i < cps.length) {
      if (Character.isWhitespace(cps[i])) {
        i++;
        continue;
      }
      int end = i;
      while (end < cps.length && !Character.isWhitespace(cps[end])) {
        end++;
      }
      List<int[]> pieces = new ArrayList<>();
      int start = i;
      while (start < end) {
        int match = -1;
        int matchEnd = -1;
        for (int stop = end; stop > start; stop--) {
          String piece = (start == i ? "" : "##") + new String(cps, start, stop - start);
          Integer id = ids.get(piece);
          if (id != null) {
            match = id;
            matchEnd = stop;
            break;
          }
        }
        if (match < 0) {
          pieces = List.of(new int[] {UNK, i, end, word});
          break;
        }
        pieces.add(new int[] {match, start, matchEnd, word});
        start = matchEnd;
      }
      out.addAll(pieces);
      word++;
      i = end;
    }
    int n = out.size();
    int[] idArr = new int[n];
    int[] starts = new int[n];
    int[] ends = new int[n];
    int[] words = new int[n];
    for (int t = 0; t < n; t++) {
      idArr[t] = out.get(t)[0];
      starts[t] = out.get(t)[1];
      ends[t] = out.get(t)[2];
      words[t] = out.get(t)[3];
    }
    return new WordPieces(idArr, starts, ends, words);
  }

  @Override
  public int vocabSize() {
    return vocab.size();
  }

  @Override
  public int clsId() {
    return CLS;
  }

  @Override
  public int sepId() {
    return SEP;
  }

  @Override
  public int padId() {
    return PAD;
  }

  @Override
  public int unkId() {
    return UNK;
  }

  @Override
  public int maskId() {
    return MASK;
  }
}
