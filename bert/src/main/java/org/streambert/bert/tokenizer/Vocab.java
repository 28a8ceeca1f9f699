package org.streambert.bert.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT WordPiece vocabulary: one token per line of {@code vocab.txt}, the id being the 0-based line number
 * (tokenization.py: {@code load_vocab}). Immutable and thread-safe. Construction fails with a message naming the
 * problem when a line is blank, a token appears twice, or one of the special tokens {@code [PAD] [UNK] [CLS] [SEP]
 * [MASK]} is missing.
 */
public final class Vocab {

  public static final String PAD = "[PAD]";
  public static final String UNK = "[UNK]";
  public static final String CLS = "[CLS]";
  public static final String SEP = "[SEP]";
  public static final String MASK = "[MASK]";

  private final List<String> tokens;
  private final Map<String, Integer> ids;
  private final int padId;
  private final int unkId;
  private final int clsId;
  private final int sepId;
  private final int maskId;

  private Vocab(List<String> tokens, String source) {
    this.tokens = List.copyOf(tokens);
    this.ids = new HashMap<>(tokens.size() * 2);
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      if (t == null || t.isEmpty()) {
        throw new IllegalArgumentException(source + ": line " + (i + 1) + " is blank (a vocabulary needs one token per line)");
      }
      Integer previous = ids.putIfAbsent(t, i);
      if (previous != null) {
        throw new IllegalArgumentException(source + ": token '" + t + "' appears twice, on lines " + (previous + 1)
            + " and " + (i + 1));
      }
    }
    this.padId = special(PAD, source);
    this.unkId = special(UNK, source);
    this.clsId = special(CLS, source);
    this.sepId = special(SEP, source);
    this.maskId = special(MASK, source);
  }

  /** A vocabulary of these tokens, the id of each being its index in the list. */
  public static Vocab of(List<String> tokens) {
    return new Vocab(tokens, "vocabulary");
  }

  /** Reads {@code vocab.txt} (UTF-8, one token per line; trailing whitespace and a final newline are ignored). */
  public static Vocab load(Path vocabTxt) {
    try (InputStream in = Files.newInputStream(vocabTxt)) {
      return read(in, vocabTxt.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read vocabulary " + vocabTxt, e);
    }
  }

  /** Reads a vocabulary from a UTF-8 stream in the {@code vocab.txt} format; {@code source} names it in errors. */
  public static Vocab read(InputStream in, String source) throws IOException {
    List<String> tokens = new ArrayList<>(32_000);
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    for (String line; (line = reader.readLine()) != null; ) {
      tokens.add(line.stripTrailing()); // HF from_file: trim_end; tokenization.py strips both sides
    }
    return new Vocab(tokens, source);
  }

  /** Number of tokens. */
  public int size() {
    return tokens.size();
  }

  /** The id of a token, or -1 when it is not in the vocabulary. */
  public int id(String token) {
    Integer id = ids.get(token);
    return id == null ? -1 : id;
  }

  /** Whether the vocabulary holds this exact token. */
  public boolean contains(String token) {
    return ids.containsKey(token);
  }

  /** The token of an id. */
  public String token(int id) {
    if (id < 0 || id >= tokens.size()) {
      throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + tokens.size() + ")");
    }
    return tokens.get(id);
  }

  /** All tokens in id order (unmodifiable). */
  public List<String> tokens() {
    return Collections.unmodifiableList(tokens);
  }

  public int padId() {
    return padId;
  }

  public int unkId() {
    return unkId;
  }

  public int clsId() {
    return clsId;
  }

  public int sepId() {
    return sepId;
  }

  public int maskId() {
    return maskId;
  }

  private int special(String token, String source) {
    Integer id = ids.get(token);
    if (id == null) {
      throw new IllegalArgumentException(source + " has no special token " + token
          + " (a BERT vocabulary needs [PAD], [UNK], [CLS], [SEP] and [MASK])");
    }
    return id;
  }
}
