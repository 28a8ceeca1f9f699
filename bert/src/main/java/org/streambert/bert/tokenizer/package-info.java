/**
 * Tokenizers of the BERT family behind one interface, {@link org.streambert.bert.tokenizer.TextTokenizer}:
 * {@link org.streambert.bert.tokenizer.TextTokenizers#load} reads a model directory's {@code tokenizer.json} (byte-level
 * BPE for RoBERTa, SentencePiece Unigram for XLM-R and CamemBERT, on the Hugging Face tokenizers library; WordPiece) or
 * {@code vocab.txt}, with the family's {@link org.streambert.bert.tokenizer.SpecialTokens} template; the word unit of
 * every script is {@link org.streambert.bert.tokenizer.TextWords}. See docs/models-tokenizers.md.
 *
 * <p>BERT's WordPiece tokenization: {@link org.streambert.bert.tokenizer.WordPieceTokenizer} over a
 * {@link org.streambert.bert.tokenizer.Vocab}, giving {@link org.streambert.bert.tokenizer.WordPieces} (no special
 * tokens) or model-ready {@link org.streambert.bert.tokenizer.Encoding}s ({@code [CLS] A [SEP] (B [SEP])}).
 *
 * <p>Reference behaviour: ids and offsets equal those of Hugging Face tokenizers configured as BERT's pipeline
 * (BertNormalizer, BertPreTokenizer, WordPiece with max_input_chars_per_word 200, BertProcessing) over the same
 * vocab.txt; the parity tests check that on a seeded corpus and on every BMP code point. Hugging Face follows
 * google-research/bert tokenization.py except in these places, where this package follows Hugging Face:
 *
 * <ul>
 *   <li>control chars: private-use chars (Co) are removed too (tokenization.py removes Cc and Cf only);</li>
 *   <li>whitespace: the Unicode White_Space property, so U+2028/U+2029 separate words (tokenization.py: Zs, tab,
 *       newline and carriage return only);</li>
 *   <li>character categories (controls, punctuation, non-spacing marks) come from older Unicode tables than the
 *       JDK's, so chars encoded or re-categorised since (about 600 code points: marks and punctuation of newer
 *       scripts, U+166D, a few format chars) are plain letters; the tables are measured from Hugging Face;</li>
 *   <li>the CJK Extension E range starts at U+2B920 (tokenization.py: U+2B820);</li>
 *   <li>lower-casing maps each char on its own, so a word-final capital sigma becomes σ, not ς;</li>
 *   <li>a literal {@code [CLS]} (or any special token) in a text is split like other text, as in tokenization.py;
 *       Hugging Face's published bert-base tokenizer.json would match it as a special token.</li>
 * </ul>
 *
 * <p>Offsets are Unicode code point indices into the original text ({@code end} exclusive), exact where
 * normalisation changed lengths: a piece spans the original chars its normalised chars came from, and chars removed
 * between two pieces belong to neither. Accent stripping decomposes each char on its own, which equals NFD of the
 * whole text except for the canonical reordering of consecutive combining marks that are not Mn (e.g. musical
 * symbol stems), where Hugging Face's offsets might differ.
 */
package org.streambert.bert.tokenizer;
