package org.streambert.bert.embeddings;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.EncoderOutput;
import org.streambert.bert.tokenizer.SpecialTokens;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.WordPieces;

/**
 * One embedding vector per text: {@code [CLS] text [SEP]} (the tokenizer's {@link TextTokenizer#specialTokens()};
 * {@code <s> text </s>} for RoBERTa and XLM-R) with the first word pieces that fit {@code maxSeqLength}, through
 * {@link BertModel#encode}, then {@link EmbeddingPooling}. Texts of a call share one padded batch, which does not
 * change any text's vector beyond float rounding (padding is masked out of attention and of the mean; another batch
 * shape may change TensorFlow's kernel blocking). Identical texts therefore get vectors equal up to
 * float rounding (bit-identical when computed by the same call shape and row).
 *
 * <p>Thread-safe. Does not own the model: whoever created the model closes it.
 */
public final class TextEmbedder {
  private final BertModel model;
  private final TextTokenizer tokenizer;
  private final EmbeddingPooling pooling;
  private final int maxSeqLength;

  public TextEmbedder(BertModel model, TextTokenizer tokenizer, EmbeddingPooling pooling, int maxSeqLength) {
    this.model = Objects.requireNonNull(model, "model");
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.pooling = Objects.requireNonNull(pooling, "pooling");
    int special = tokenizer.specialTokens().singleCount();
    if (maxSeqLength < special || maxSeqLength > model.config().maxPositionEmbeddings()) {
      throw new IllegalArgumentException("maxSeqLength must be in [" + special + ", "
          + model.config().maxPositionEmbeddings()
          + "], got " + maxSeqLength);
    }
    this.maxSeqLength = maxSeqLength;
  }

  /** The vector of one text, of length H. */
  public float[] embed(String text) {
    return embedAll(List.of(text))[0];
  }

  /** The vectors of {@code texts}, in order: [texts.size()][H]. */
  public float[][] embedAll(List<String> texts) {
    if (texts.isEmpty()) {
      return new float[0][];
    }
    int b = texts.size();
    int[][] rows = new int[b][];
    SpecialTokens special = tokenizer.specialTokens();
    int t = special.singleCount();
    for (int i = 0; i < b; i++) {
      String text = texts.get(i);
      if (text == null) {
        throw new IllegalArgumentException("text " + i + " is null");
      }
      WordPieces pieces = tokenizer.tokenize(text);
      int keep = Math.min(pieces.size(), maxSeqLength - special.singleCount());
      int[] row = new int[keep + special.singleCount()];
      special.putSingle(row, 0, pieces.ids(), 0, keep);
      rows[i] = row;
      t = Math.max(t, row.length);
    }
    int[] ids = new int[b * t];
    int[] mask = new int[b * t];
    Arrays.fill(ids, tokenizer.padId());
    for (int i = 0; i < b; i++) {
      System.arraycopy(rows[i], 0, ids, i * t, rows[i].length);
      Arrays.fill(mask, i * t, i * t + rows[i].length, 1);
    }
    EncoderOutput out = model.encode(b, t, ids, mask, new int[b * t]);
    return pooling.apply(out, mask);
  }

  public EmbeddingPooling pooling() {
    return pooling;
  }
}
