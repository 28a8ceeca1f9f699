package org.streambert.bert.tokenizer;

/** The tokenization model of a {@link TextTokenizer}, which also fixes what a word is (see {@link TextWords}). */
public enum TokenizerKind {
  /** BERT, DistilBERT, ELECTRA: WordPiece after BERT's basic tokenizer (punctuation and each CJK ideograph split). */
  WORD_PIECE,
  /** RoBERTa, GPT-2: byte-level BPE; a word is a run of letters, digits or other symbols, with its leading space. */
  BPE,
  /** XLM-R, CamemBERT, ALBERT, T5: SentencePiece Unigram; a word is a {@code ▁}-started run (text between spaces). */
  UNIGRAM
}
