package org.streambert.bert.bundle;

import java.util.List;
import java.util.Objects;

/**
 * Everything of a bundle except the SavedModel: the {@code model.json} descriptor, the vocabulary (one token per
 * line of {@code vocab.txt}, line {@code i} being id {@code i}) and, for a model whose tokenizer is not WordPiece
 * (RoBERTa's byte-level BPE, XLM-R's SentencePiece Unigram), its Hugging Face {@code tokenizer.json}, which the
 * loaders then read instead of {@code vocab.txt}.
 *
 * @param tokenizerJson the bytes of {@code tokenizer.json}, or null for a WordPiece model served from
 *                      {@code vocab.txt}
 */
public record BundleContents(ModelDescriptor model, List<String> vocab, byte[] tokenizerJson) {

  /** Contents of a WordPiece model (no {@code tokenizer.json}). */
  public BundleContents(ModelDescriptor model, List<String> vocab) {
    this(model, vocab, null);
  }

  public BundleContents {
    tokenizerJson = tokenizerJson == null ? null : tokenizerJson.clone();
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(vocab, "vocab");
    vocab = List.copyOf(vocab);
    for (int i = 0; i < vocab.size(); i++) {
      String token = vocab.get(i);
      if (token.isEmpty() || token.indexOf('\n') >= 0 || token.indexOf('\r') >= 0) {
        throw new IllegalArgumentException("vocab entry " + i + " is empty or contains a line break");
      }
    }
    if (vocab.size() != model.vocabSize()) {
      throw new IllegalArgumentException("vocab has " + vocab.size() + " entries but bert_config.vocab_size is "
          + model.vocabSize());
    }
  }

  @Override
  public byte[] tokenizerJson() {
    return tokenizerJson == null ? null : tokenizerJson.clone();
  }
}
