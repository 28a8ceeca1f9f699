package org.streambert.trainer.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.streambert.bert.tokenizer.Encoding;
import org.streambert.bert.tokenizer.TextWords;
import org.streambert.bert.tokenizer.SpecialTokens;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.WordPieces;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.NerSentence;

/**
 * One example as model input: {@code [CLS] pieces [SEP]} ids and its labels (the tokenizer's
 * {@link TextTokenizer#specialTokens()}: {@code <s> pieces </s>} for RoBERTa and XLM-R).
 *
 * <p>NER (run_ner-style "first sub-token" labelling as in the BERT paper §5.3): the sentence is the text a predictor
 * would see, and its words are the serving words ({@link NerText}, {@link org.streambert.bert.tokenizer.TextWords}), so
 * word boundaries are the dataset's tokens, not the basic tokenizer's ({@code AL-AIN} is one word of three pieces); the word's tag goes on its first piece and every other
 * position has label {@link #IGNORED} (weight 0 in the loss); at prediction the first piece's label is the word's.
 * Words from the first one that does not fit in {@code maxLength} minus the special tokens on, and words with no piece at all, have
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
  public static Feature classification(TextTokenizer tokenizer, ClassificationExample example,
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
   * with {@code firstPiece} giving each word's ({@link org.streambert.bert.tokenizer.TextWords})
   * first piece, the positions whose token labels are served (-1 for words cut off by {@code maxLength}).
   */
  public static Feature unlabelled(TextTokenizer tokenizer, String text, int maxLength) {
    TextWords words = TextWords.of(text);
    WordPieces pieces = tokenizer.tokenize(text);
    int[] pieceWord = words.wordsOf(pieces.starts());
    int[] wordFirst = new int[words.size()];
    Arrays.fill(wordFirst, -1);
    SpecialTokens special = tokenizer.specialTokens();
    int budget = maxLength - special.singleCount();
    List<Integer> ids = new ArrayList<>();
    for (int id : special.prefix()) {
      ids.add(id);
    }
    int n = pieces.size();
    for (int p = 0, q; p < n; p = q) { // whole words, as Feature.ner truncates
      int w = pieceWord[p];
      q = p + 1;
      while (q < n && pieceWord[q] == w) {
        q++;
      }
      if (ids.size() - special.prefixLength() + (q - p) > budget) {
        break;
      }
      if (w >= 0) {
        wordFirst[w] = ids.size();
      }
      for (int r = p; r < q; r++) {
        ids.add(pieces.ids()[r]);
      }
    }
    for (int id : special.suffix()) {
      ids.add(id);
    }
    return new Feature(Task.UNLABELLED, ids.stream().mapToInt(Integer::intValue).toArray(), IGNORED, null,
        wordFirst);
  }

  /** Encodes a NER sentence without document context; see {@link #ner(TextTokenizer, NerSentence, Map, int, boolean)}. */
  public static Feature ner(TextTokenizer tokenizer, NerSentence sentence, Map<String, Integer> labelIndex,
      int maxLength) {
    return ner(tokenizer, sentence, labelIndex, maxLength, false);
  }

  /**
   * Encodes a NER sentence; {@code labelIndex} must contain each of its tags. The encoded text is the one a predictor
   * sees ({@link NerText}: the sentence's raw text, or its tokens joined by single spaces, tokenized as a whole) and each
   * word of it in the serving definition ({@link org.streambert.bert.tokenizer.TextWords}) is labelled on its first
   * piece (a piece belongs to the word where it starts, as in serving).
   *
   * <p>With {@code documentContext}, a sentence of a document ({@link NerSentence#document()}) that fits is packed with
   * the pieces of its neighbouring sentences up to {@code maxLength}, half the room before it and half after (one side
   * takes what the other cannot use), as the BERT paper's CoNLL setup uses maximal document context and as serving sees
   * a paragraph or document in one record: {@code [CLS] ...previous sentences | sentence | next sentences... [SEP]}.
   * Only the sentence's words carry labels; the context is cut at piece boundaries.
   */
  public static Feature ner(TextTokenizer tokenizer, NerSentence sentence, Map<String, Integer> labelIndex,
      int maxLength, boolean documentContext) {
    SpecialTokens special = tokenizer.specialTokens();
    for (String tag : sentence.tags()) {
      label(labelIndex, tag);
    }
    NerText text = NerText.of(sentence);
    WordPieces pieces = tokenizer.tokenize(text.text());
    int[] pieceWord = text.words().wordsOf(pieces.starts());
    int[] wordFirst = new int[text.words().size()];
    Arrays.fill(wordFirst, -1);
    int budget = maxLength - special.singleCount();
    List<Integer> ids = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    int n = pieces.size();
    boolean truncated = false;
    for (int p = 0, q; p < n; p = q) {
      int w = pieceWord[p];
      q = p + 1;
      while (q < n && pieceWord[q] == w) {
        q++;
      }
      if (ids.size() + (q - p) > budget) {
        truncated = true;
        break; // this word and the rest are predicted O
      }
      if (w >= 0) {
        wordFirst[w] = ids.size();
      }
      for (int r = p; r < q; r++) {
        ids.add(pieces.ids()[r]);
        labels.add(r == p && w >= 0 ? label(labelIndex, text.wordTags().get(w)) : IGNORED);
      }
    }
    int[] left = new int[0];
    int[] right = new int[0];
    if (documentContext && sentence.document() != null && !truncated && ids.size() < budget) {
      int room = budget - ids.size();
      int[] before = context(tokenizer, sentence, -1, room);
      int[] after = context(tokenizer, sentence, +1, room);
      int leftTake = Math.min(before.length, Math.max(room / 2, room - after.length));
      int rightTake = Math.min(after.length, room - leftTake);
      left = Arrays.copyOfRange(before, before.length - leftTake, before.length);
      right = Arrays.copyOf(after, rightTake);
    }
    int length = ids.size() + left.length + right.length + special.singleCount();
    int[] allIds = new int[length];
    int[] allLabels = new int[length];
    Arrays.fill(allLabels, IGNORED);
    int[] prefix = special.prefix();
    System.arraycopy(prefix, 0, allIds, 0, prefix.length);
    System.arraycopy(left, 0, allIds, prefix.length, left.length);
    int at = prefix.length + left.length;
    for (int i = 0; i < ids.size(); i++) {
      allIds[at + i] = ids.get(i);
      allLabels[at + i] = labels.get(i);
    }
    System.arraycopy(right, 0, allIds, at + ids.size(), right.length);
    int[] suffix = special.suffix();
    System.arraycopy(suffix, 0, allIds, length - suffix.length, suffix.length);
    int[] firstPiece = new int[sentence.size()];
    for (int t = 0; t < firstPiece.length; t++) {
      int w = text.tokenWord()[t];
      firstPiece[t] = w < 0 || wordFirst[w] < 0 ? -1 : at + wordFirst[w];
    }
    return new Feature(Task.NER, allIds, IGNORED, allLabels, firstPiece);
  }

  /**
   * Up to {@code room} pieces of the sentences before ({@code direction} -1, the last ones) or after (+1, the first
   * ones) {@code sentence} in its document, in text order.
   */
  private static int[] context(TextTokenizer tokenizer, NerSentence sentence, int direction, int room) {
    List<NerSentence> sentences = sentence.document().sentences();
    List<int[]> parts = new ArrayList<>();
    int total = 0;
    for (int i = sentence.index() + direction; i >= 0 && i < sentences.size() && total < room; i += direction) {
      int[] ids = tokenizer.tokenize(NerText.of(sentences.get(i)).text()).ids();
      parts.add(ids);
      total += ids.length;
    }
    int[] out = new int[total];
    int at = 0;
    for (int k = 0; k < parts.size(); k++) {
      int[] part = parts.get(direction < 0 ? parts.size() - 1 - k : k);
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
    }
    return out;
  }

  private static int label(Map<String, Integer> labelIndex, String tag) {
    Integer label = labelIndex.get(tag);
    if (label == null) {
      throw new IllegalArgumentException("tag '" + tag + "' is not one of the model's labels " + labelIndex.keySet());
    }
    return label;
  }

  /** The text a predictor sees for the sentence: its raw text, or its words joined by single spaces. */
  public static String text(NerSentence sentence) {
    return sentence.text() != null ? sentence.text() : String.join(" ", sentence.tokens());
  }
}
