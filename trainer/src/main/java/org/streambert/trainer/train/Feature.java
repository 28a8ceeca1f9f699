package org.streambert.trainer.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.streambert.bert.tokenizer.Encoding;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.NerSentence;

/**
 * One example as model input: {@code [CLS] pieces [SEP]} ids and its labels.
 *
 * <p>NER (run_ner-style "first sub-token" labelling as in the BERT paper §5.3): each word is tokenized on its own, so
 * word boundaries are the dataset's, not the tokenizer's; the word's tag goes on its first piece and every other
 * position has label {@link #IGNORED} (weight 0 in the loss); at prediction the first piece's label is the word's.
 * Words that do not fit in {@code maxLength - 2} pieces, and words with no piece at all, have {@code firstPiece -1} and
 * are predicted {@code O}.
 *
 * @param task which task
 * @param ids vocabulary ids including [CLS] and [SEP]
 * @param classLabel class id (classification), or {@link #IGNORED}
 * @param tokenLabels per position, the tag id or {@link #IGNORED} (NER); null for classification
 * @param firstPiece per word, the position of its first piece or -1 (NER); null for classification
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

  /** Encodes a NER sentence; {@code labelIndex} must contain each of its tags. */
  public static Feature ner(WordPieceTokenizer tokenizer, NerSentence sentence, Map<String, Integer> labelIndex,
      int maxLength) {
    int budget = maxLength - 2;
    List<Integer> ids = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    ids.add(tokenizer.clsId());
    labels.add(IGNORED);
    int[] firstPiece = new int[sentence.size()];
    Arrays.fill(firstPiece, -1);
    for (int w = 0; w < sentence.size(); w++) {
      String tag = sentence.tags().get(w);
      Integer label = labelIndex.get(tag);
      if (label == null) {
        throw new IllegalArgumentException("tag '" + tag + "' is not one of the model's labels "
            + labelIndex.keySet());
      }
      int[] pieces = tokenizer.tokenize(sentence.tokens().get(w)).ids();
      if (pieces.length == 0 || ids.size() - 1 + pieces.length > budget) {
        continue; // no piece, or no room: predicted O
      }
      firstPiece[w] = ids.size();
      for (int p = 0; p < pieces.length; p++) {
        ids.add(pieces[p]);
        labels.add(p == 0 ? label : IGNORED);
      }
    }
    ids.add(tokenizer.sepId());
    labels.add(IGNORED);
    return new Feature(Task.NER, ids.stream().mapToInt(Integer::intValue).toArray(), IGNORED,
        labels.stream().mapToInt(Integer::intValue).toArray(), firstPiece);
  }

  /** The sentence's words joined by single spaces: the text a predictor sees for it. */
  public static String text(NerSentence sentence) {
    return String.join(" ", sentence.tokens());
  }
}
