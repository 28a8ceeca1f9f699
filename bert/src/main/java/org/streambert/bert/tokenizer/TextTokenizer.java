package org.streambert.bert.tokenizer;

/** What inference and training need of a tokenizer: word pieces with offsets, and the special token ids. */
public interface TextTokenizer {

  /** Tokenizes one text without adding special tokens and without truncation. Never null; empty for blank text. */
  WordPieces tokenize(String text);

  /** Number of entries in the vocabulary (the embedding table's row count). */
  int vocabSize();

  int clsId();

  int sepId();

  int padId();

  int unkId();

  int maskId();
}
