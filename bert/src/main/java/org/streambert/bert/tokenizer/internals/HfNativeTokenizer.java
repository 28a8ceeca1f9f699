package org.streambert.bert.tokenizer.internals;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.streambert.bert.tokenizer.InvalidTokenizerException;
import org.streambert.bert.tokenizer.SpecialTokens;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.TokenizerKind;
import org.streambert.bert.tokenizer.WordPieces;

/**
 * A {@link TextTokenizer} over the Hugging Face tokenizers library (Rust, through DJL's JNI binding), built from the
 * bytes of a {@code tokenizer.json} that {@link TokenizerJsonReader} checked, never from a hub name: no network.
 *
 * <p>Offsets: the library's char offsets are code points; each span is then trimmed of whitespace at both ends, so a
 * Metaspace piece {@code ▁word} spans {@code word} without the space before it, and a piece that is only whitespace
 * (byte-level {@code Ġ}, a lone {@code ▁}) has an empty span where its whitespace ends: at the start of the word it
 * begins (SentencePiece's {@code ▁ 北京}: the first piece of that word, as transformers' word ids have it), or on
 * further whitespace (a run of spaces: part of no word).
 *
 * <p>Owns one native tokenizer, freed by {@link #close}; calls hold a read lock, so closing waits for running calls
 * and calls after closing fail with {@link IllegalStateException}.
 */
public final class HfNativeTokenizer implements TextTokenizer {

  private final HuggingFaceTokenizer native_;
  private final TokenizerJsonReader.Checked file;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  private HfNativeTokenizer(HuggingFaceTokenizer tokenizer, TokenizerJsonReader.Checked file) {
    this.native_ = tokenizer;
    this.file = file;
  }

  /**
   * Loads the native tokenizer from checked bytes; the caller closes it.
   *
   * @throws InvalidTokenizerException when the native library is missing for this platform or refuses the file
   */
  public static HfNativeTokenizer open(TokenizerJsonReader.Checked file, String source) {
    HfNative.configureOffline();
    // No truncation, padding or special tokens here: the project applies its own (SpecialTokens, windows).
    Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false",
        "withOverflowingTokens", "false");
    try {
      return new HfNativeTokenizer(HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(file.bytes()), options),
          file);
    } catch (IOException | RuntimeException | LinkageError e) {
      throw new InvalidTokenizerException(source + ": the Hugging Face tokenizers library cannot load it ("
          + e.getClass().getSimpleName() + ": " + TokenizerJsonReader.firstLine(e.getMessage()) + ")", e);
    }
  }

  @Override
  public WordPieces tokenize(String text) {
    if (text == null) {
      throw new IllegalArgumentException("text is null");
    }
    Encoding e;
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("tokenizer is closed");
      }
      e = native_.encode(text, false, false);
    } finally {
      lock.readLock().unlock();
    }
    long[] ids = e.getIds();
    long[] wordIds = e.getWordIds();
    CharSpan[] spans = e.getCharTokenSpans();
    int n = ids.length;
    int[] cps = text.codePoints().toArray();
    int[] outIds = new int[n];
    int[] starts = new int[n];
    int[] ends = new int[n];
    int[] words = new int[n];
    for (int t = 0; t < n; t++) {
      outIds[t] = (int) ids[t];
      int s = spans[t] == null ? 0 : Math.max(0, Math.min(cps.length, spans[t].getStart()));
      int end = spans[t] == null ? 0 : Math.max(s, Math.min(cps.length, spans[t].getEnd()));
      int untrimmedEnd = end;
      while (s < end && isSpace(cps[s])) {
        s++;
      }
      while (end > s && isSpace(cps[end - 1])) {
        end--;
      }
      if (s == end) { // only whitespace: an empty span where it ends (a word's start, or more whitespace)
        s = untrimmedEnd;
        end = untrimmedEnd;
      }
      starts[t] = s;
      ends[t] = end;
      words[t] = (int) wordIds[t];
    }
    return new WordPieces(outIds, starts, ends, words);
  }

  @Override
  public int vocabSize() {
    return file.vocabSize();
  }

  @Override
  public int clsId() {
    return file.clsId();
  }

  @Override
  public int sepId() {
    return file.sepId();
  }

  @Override
  public int padId() {
    return file.padId();
  }

  @Override
  public int unkId() {
    return file.unkId();
  }

  @Override
  public int maskId() {
    return file.maskId();
  }

  @Override
  public SpecialTokens specialTokens() {
    return file.template();
  }

  @Override
  public TokenizerKind kind() {
    return file.kind();
  }

  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        native_.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Whitespace a span never starts or ends with: Java's whitespace and the Unicode space separators (NBSP too). */
  static boolean isSpace(int codePoint) {
    return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint);
  }
}
