package org.streambert.bert.embeddings;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.EncoderOutput;
import org.streambert.bert.tokenizer.BatchEncoding;
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
    List<BatchEncoding.Window> windows = new ArrayList<>(texts.size());
    SpecialTokens special = tokenizer.specialTokens();
    for (int i = 0; i < texts.size(); i++) {
      String text = texts.get(i);
      if (text == null) {
        throw new IllegalArgumentException("text " + i + " is null");
      }
      WordPieces pieces = tokenizer.tokenize(text);
      windows.add(new BatchEncoding.Window(pieces.ids(), 0,
          Math.min(pieces.size(), maxSeqLength - special.singleCount())));
    }
    BatchEncoding in = BatchEncoding.ofWindows(windows, special, tokenizer.padId()); // [B, T], segment 0
    EncoderOutput out = model.encode(in.size(), in.seqLen(), in.ids(), in.mask(), in.segments());
    return pooling.apply(out, in.mask());
  }

  public EmbeddingPooling pooling() {
    return pooling;
  }
}
