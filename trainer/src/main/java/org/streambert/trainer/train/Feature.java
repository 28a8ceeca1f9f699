package org.streambert.trainer.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.streambert.bert.tokenizer.Encoding;
import org.streambert.bert.tokenizer.TextWords;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.tokenizer.WordPieces;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.NerSentence;

/**
 * One example as model input: {@code [CLS] pieces [SEP]} ids and its labels.
 *
 * <p>NER (run_ner-style "first sub-token" labelling as in the BERT paper §5.3): the sentence is the text a predictor
 * would see, and its words are whitespace-delimited ({@link NerText}), so word boundaries are the dataset's, not the
 * basic tokenizer's ({@code AL-AIN} is one word of three pieces); the word's tag goes on its first piece and every other
 * position has label {@link #IGNORED} (weight 0 in the loss); at prediction the first piece's label is the word's.
 * Words from the first one that does not fit in {@code maxLength - 2} pieces on, and words with no piece at all, have
 * {@code firstPiece -1} and are predicted {@code O}.
 *
 * @param task which task
 * @param ids vocabulary ids including [CLS] and [SEP]
 * @param classLabel class id (classification), or {@link #IGNORED}
 * @param tokenLabels per position, the tag id or {@link #IGNORED} (NER); null for classification
 * @param firstPiece per dataset token (NER) or word (unlabelled), the position of its first piece or -1; null for
 *     classification
 */
public record Feature(Task task, int[] ids, int classLabel, int[] tokenLabels, int[] firstPiece) {

  /** Label of positions and examples that do not count in the loss. */
  public static final int IGNORED = -1;

  /** Number of positions. */
  public int length() {
    return ids.length;
  }

  /** Encodes a classification example; {@code labelIndex} must contain its label. */
  public static Feature classification(WordPieceTokenizer tokenizer, ClassificationExample example,
      Map<String, Integer> labelIndex, int maxLength) {
    Integer label = labelIndex.get(example.label());
    if (label == null) {
      throw new IllegalArgumentException("label '" + example.label() + "' is not one of the model's labels "
          + labelIndex.keySet());
    }
    Encoding e = tokenizer.encode(example.text(), maxLength);
    return new Feature(Task.CLASSIFICATION, e.inputIds(), label, null, null);
  }

  /**
   * Encodes a text without labels (distillation: only the teacher's soft targets train on it) as a predictor sees it,
   * with {@code firstPiece} giving each whitespace-delimited word's ({@link org.streambert.bert.tokenizer.TextWords})
   * first piece, the positions whose token labels are served (-1 for words cut off by {@code maxLength}).
   */
  public static Feature unlabelled(WordPieceTokenizer tokenizer, String text, int maxLength) {
    TextWords words = TextWords.of(text);
    WordPieces pieces = tokenizer.tokenize(text);
    int[] pieceWord = words.wordsOf(pieces.starts());
    int[] wordFirst = new int[words.size()];
    Arrays.fill(wordFirst, -1);
    int budget = maxLength - 2;
    List<Integer> ids = new ArrayList<>();
    ids.add(tokenizer.clsId());
    int n = pieces.size();
    for (int p = 0, q; p < n; p = q) { // whole words, as Feature.ner truncates
      int w = pieceWord[p];
      q = p + 1;
      while (q < n && pieceWord[q] == w) {
        q++;
      }
      if (ids.size() - 1 + (q - p) > budget) {
        break;
      }
      if (w >= 0) {
        wordFirst[w] = ids.size();
      }
      for (int r = p; r < q; r++) {
        ids.add(pieces.ids()[r]);
      }
    }
    ids.add(tokenizer.sepId());
    return new Feature(Task.UNLABELLED, ids.stream().mapToInt(Integer::intValue).toArray(), IGNORED, null,
        wordFirst);
  }

  /**
   * Encodes a NER sentence; {@code labelIndex} must contain each of its tags. The encoded text is the one a predictor
   * sees ({@link NerText}: tokens joined by single spaces, tokenized as a whole) and each word of it in the serving
   * definition ({@link org.streambert.bert.tokenizer.TextWords}) is labelled on its first piece.
   */
  public static Feature ner(WordPieceTokenizer tokenizer, NerSentence sentence, Map<String, Integer> labelIndex,
      int maxLength) {
    for (String tag : sentence.tags()) {
      label(labelIndex, tag);
    }
    NerText text = NerText.of(sentence);
    WordPieces pieces = tokenizer.tokenize(text.text());
    int[] pieceWord = text.words().wordsOf(pieces.starts());
    int[] wordFirst = new int[text.words().size()];
    Arrays.fill(wordFirst, -1);
    int budget = maxLength - 2;
    List<Integer> ids = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    ids.add(tokenizer.clsId());
    labels.add(IGNORED);
    int n = pieces.size();
    for (int p = 0, q; p < n; p = q) {
      int w = pieceWord[p];
      q = p + 1;
      while (q < n && pieceWord[q] == w) {
        q++;
      }
      if (ids.size() - 1 + (q - p) > budget) {
        break; // truncated: this word and the rest are predicted O
      }
      if (w >= 0) {
        wordFirst[w] = ids.size();
      }
      for (int r = p; r < q; r++) {
        ids.add(pieces.ids()[r]);
        labels.add(r == p && w >= 0 ? label(labelIndex, text.wordTags().get(w)) : IGNORED);
      }
    }
    ids.add(tokenizer.sepId());
    labels.add(IGNORED);
    int[] firstPiece = new int[sentence.size()];
    for (int t = 0; t < firstPiece.length; t++) {
      firstPiece[t] = text.tokenWord()[t] < 0 ? -1 : wordFirst[text.tokenWord()[t]];
    }
    return new Feature(Task.NER, ids.stream().mapToInt(Integer::intValue).toArray(), IGNORED,
        labels.stream().mapToInt(Integer::intValue).toArray(), firstPiece);
  }

  private static int label(Map<String, Integer> labelIndex, String tag) {
    Integer label = labelIndex.get(tag);
    if (label == null) {
      throw new IllegalArgumentException("tag '" + tag + "' is not one of the model's labels " + labelIndex.keySet());
    }
    return label;
  }

  /** The sentence's words joined by single spaces: the text a predictor sees for it. */
  public static String text(NerSentence sentence) {
    return String.join(" ", sentence.tokens());
  }
}
