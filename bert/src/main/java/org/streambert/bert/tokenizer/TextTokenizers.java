package org.streambert.bert.tokenizer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import org.streambert.bert.tokenizer.internals.HfNativeTokenizer;
import org.streambert.bert.tokenizer.internals.TokenizerJsonReader;

/**
 * The tokenizer of a model directory, whatever its family: a Hugging Face {@code tokenizer.json} (byte-level BPE for
 * RoBERTa, SentencePiece Unigram with the {@code Precompiled} normaliser and {@code Metaspace} for XLM-R and
 * CamemBERT, WordPiece for BERT) or a {@code vocab.txt} (WordPiece).
 *
 * <p>{@code tokenizer.json} wins when both files are present (it is what transformers' fast tokenizers and pipelines
 * read). It is read and bounded in Java first (size, nesting, vocabulary and merge counts, token and pattern lengths,
 * an allow-list of components; {@link InvalidTokenizerException} otherwise), its model type inferred from the fields
 * when {@code model.type} is absent, and its special-token template taken from the post-processor. A WordPiece file
 * of BERT's standard pipeline runs on the pure-Java {@link WordPieceTokenizer} (same ids and offsets, faster); any
 * other runs on the Hugging Face tokenizers library (native code inside the jar, loaded from the checked bytes, never
 * from the hub), and the returned tokenizer then owns native memory: <b>the caller closes it</b>.
 */
public final class TextTokenizers {

  /** The Hugging Face tokenizer file. */
  public static final String TOKENIZER_JSON = "tokenizer.json";
  /** BERT's WordPiece vocabulary, one token per line. */
  public static final String VOCAB_TXT = "vocab.txt";

  private TextTokenizers() {}

  /**
   * What a directory's tokenizer is, read without loading it (no native code).
   *
   * @param file          the file it comes from ({@code tokenizer.json} or {@code vocab.txt})
   * @param kind          the tokenization model
   * @param vocabSize     ids in use (largest + 1): the embedding table needs at least this many rows
   * @param specialTokens the special-token template
   * @param lowercase     what the file says about lower-casing (a {@code BertNormalizer}'s flag), if anything
   * @param pureJava      whether {@link #load} runs it on the pure-Java {@link WordPieceTokenizer}
   */
  public record TokenizerInfo(Path file, TokenizerKind kind, int vocabSize, SpecialTokens specialTokens,
      Optional<Boolean> lowercase, boolean pureJava) {}

  /**
   * Describes the tokenizer {@link #load} would build for {@code dir} (a directory, or the file itself).
   *
   * @throws InvalidTokenizerException naming the file when it is refused
   */
  public static TokenizerInfo describe(Path dir) {
    Path file = locate(dir);
    if (isJson(file)) {
      TokenizerJsonReader.Checked c = read(file);
      return new TokenizerInfo(file, c.kind(), c.vocabSize(), c.template(), c.lowercase(), c.bertPipeline());
    }
    Vocab vocab = vocabTxt(file);
    return new TokenizerInfo(file, TokenizerKind.WORD_PIECE, vocab.size(),
        SpecialTokens.bert(vocab.clsId(), vocab.sepId()), Optional.empty(), true);
  }

  /**
   * The tokenizer of {@code dir} (a directory holding {@code tokenizer.json} or {@code vocab.txt}, or one of these
   * files itself). The caller closes it.
   *
   * @param doLowerCase for WordPiece: lower-case and strip accents; for a WordPiece {@code tokenizer.json} of BERT's
   *                    pipeline it replaces the normaliser's flag, as transformers' {@code BertTokenizerFast} does
   *                    with {@code do_lower_case}. BPE and Unigram files normalise as they say and ignore it.
   * @throws InvalidTokenizerException naming the file when it is refused or the native library cannot load it
   */
  public static TextTokenizer load(Path dir, boolean doLowerCase) {
    Path file = locate(dir);
    if (!isJson(file)) {
      return new WordPieceTokenizer(vocabTxt(file), doLowerCase);
    }
    TokenizerJsonReader.Checked c = read(file);
    if (c.bertPipeline()) {
      return new WordPieceTokenizer(c.wordPieceVocab().orElseThrow(), doLowerCase, c.maxInputCharsPerWord());
    }
    return HfNativeTokenizer.open(c, file.toString());
  }

  /**
   * The tokenizer of {@code dir} with the casing its file states ({@code tokenizer.json}); a lone {@code vocab.txt} is
   * lower-cased, as transformers' {@code BertTokenizer} does by default. The caller closes it.
   */
  public static TextTokenizer load(Path dir) {
    Path file = locate(dir);
    if (!isJson(file)) {
      return load(file, true);
    }
    TokenizerJsonReader.Checked c = read(file);
    if (c.bertPipeline()) {
      return new WordPieceTokenizer(c.wordPieceVocab().orElseThrow(), c.lowercase().orElse(true),
          c.maxInputCharsPerWord());
    }
    return HfNativeTokenizer.open(c, file.toString());
  }

  /**
   * The tokenizer of a {@code tokenizer.json} (in {@code dir}, or the file itself) on the Hugging Face library even
   * where {@link #load} would run the pure-Java WordPiece: for comparisons of the two (parity tests, benchmarks). The
   * caller closes it.
   *
   * @throws InvalidTokenizerException naming the file when it is refused or the native library cannot load it
   */
  public static TextTokenizer loadNative(Path dir) {
    Path file = locate(dir);
    if (!isJson(file)) {
      throw new InvalidTokenizerException(file + " is not a tokenizer.json: the Hugging Face library reads only those");
    }
    return HfNativeTokenizer.open(read(file), file.toString());
  }

  /** The tokenizer file of a directory, or the file itself: tokenizer.json first, then vocab.txt. */
  private static Path locate(Path dir) {
    if (dir == null) {
      throw new IllegalArgumentException("tokenizer directory is null");
    }
    if (Files.isRegularFile(dir)) {
      return dir;
    }
    if (!Files.isDirectory(dir)) {
      throw new InvalidTokenizerException(dir + " is neither a directory nor a tokenizer file");
    }
    for (String name : new String[] {TOKENIZER_JSON, VOCAB_TXT}) {
      Path f = dir.resolve(name);
      if (Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
        try {
          if (!Files.isRegularFile(f) || !f.toRealPath().startsWith(dir.toRealPath())) {
            throw new InvalidTokenizerException(f + " is not a regular file inside " + dir
                + " (a directory, device or symbolic link leading outside)");
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + f, e);
        }
        return f;
      }
    }
    String hint = Files.isRegularFile(dir.resolve("merges.txt")) || Files.isRegularFile(dir.resolve("vocab.json"))
        ? " (vocab.json and merges.txt alone are not read: save the fast tokenizer with transformers'"
          + " tokenizer.save_pretrained to get tokenizer.json)"
        : Files.isRegularFile(dir.resolve("sentencepiece.bpe.model"))
          || Files.isRegularFile(dir.resolve("spiece.model"))
        ? " (a SentencePiece model alone is not read: save the fast tokenizer with transformers'"
          + " tokenizer.save_pretrained to get tokenizer.json)"
        : "";
    throw new InvalidTokenizerException(dir + " has neither " + TOKENIZER_JSON + " nor " + VOCAB_TXT + hint);
  }

  private static boolean isJson(Path file) {
    return file.getFileName().toString().endsWith(".json");
  }

  private static TokenizerJsonReader.Checked read(Path file) {
    try {
      return TokenizerJsonReader.read(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static Vocab vocabTxt(Path file) {
    try {
      long size = Files.size(file);
      if (size > TokenizerJsonReader.MAX_BYTES) {
        throw new InvalidTokenizerException(file + " is " + size + " bytes, more than the "
            + TokenizerJsonReader.MAX_BYTES + " accepted");
      }
      byte[] bytes = Files.readAllBytes(file);
      int lines = 0;
      for (byte b : bytes) {
        if (b == '\n' && ++lines > TokenizerJsonReader.MAX_VOCAB_ENTRIES) {
          throw new InvalidTokenizerException(file + " has more than " + TokenizerJsonReader.MAX_VOCAB_ENTRIES
              + " entries");
        }
      }
      return Vocab.read(new ByteArrayInputStream(bytes), file.toString());
    } catch (InvalidTokenizerException e) {
      throw e;
    } catch (IllegalArgumentException e) { // a blank line, a duplicate or a missing special token
      throw new InvalidTokenizerException(e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
