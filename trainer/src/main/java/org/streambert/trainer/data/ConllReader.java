package org.streambert.trainer.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads CoNLL-style NER files into IOB2-tagged sentences.
 *
 * <p>Format: one token per line, columns separated by tabs (when the line has a tab) or else by runs of
 * whitespace; the first column is the word, the last column its tag, columns between are ignored (POS,
 * chunk tags). A blank or whitespace-only line ends a sentence. Lines whose first column is
 * {@code -DOCSTART-} are skipped (they also end a sentence). Files are UTF-8.
 *
 * <p>Documents: a {@code -DOCSTART-} line starts a new document, and so does a run of two or more blank lines; the
 * sentences of a file with either get their {@link NerSentence#document()} (the neighbours that give document context).
 * In a file with neither (e.g. WNUT-17's tweets) every sentence stands alone.
 *
 * <p>Tags are {@code O} or {@code P-TYPE} with P one of B, I, E, S, L, U and a non-empty TYPE (which may
 * itself contain dashes, e.g. {@code B-creative-work}). The scheme is given or detected per file:
 * any E/S/L/U prefix means BIOES/BILOU; otherwise an {@code I-X} that does not continue an X entity (at
 * sentence start, after O or after another type) means IOB1; otherwise IOB2. Note that converting a
 * valid IOB2 file as IOB1 is the identity, so the detection cannot misread IOB2 data.
 *
 * <p>Refused (with {@link DatasetFormatException} naming file and line): a line with fewer than two
 * columns, an invalid tag ({@code X-PER}, {@code B-}), a tag that is not valid in the given scheme, an
 * empty file, and a file without any entity.
 */
public final class ConllReader {

  /** First column of document separator lines, which are skipped. */
  public static final String DOCSTART = "-DOCSTART-";

  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  private ConllReader() {}

  /** Reads a file, detecting its tag scheme. */
  public static NerDataset read(Path file) {
    return read(file, null);
  }

  /**
   * Reads a file in the given tag scheme.
   *
   * @param scheme the scheme of the file, or {@code null} to detect it
   */
  public static NerDataset read(Path file, TagScheme scheme) {
    try (BufferedReader reader = Files.newBufferedReader(file)) {
      return read(file.toString(), reader, scheme);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads CoNLL text from a reader; {@code sourceName} is used in messages. The reader is not closed.
   *
   * @param scheme the scheme of the text, or {@code null} to detect it
   */
  public static NerDataset read(String sourceName, Reader reader, TagScheme scheme) throws IOException {
    List<Integer> documentIds = new ArrayList<>();
    boolean[] marked = new boolean[1];
    List<List<RawToken>> rawSentences = parse(sourceName, reader, documentIds, marked);
    if (rawSentences.isEmpty()) {
      throw new DatasetFormatException(sourceName, DatasetFormatException.NO_LINE, "contains no sentences");
    }
    TagScheme actual = scheme != null ? scheme : detect(rawSentences);
    List<NerSentence> sentences = new ArrayList<>(rawSentences.size());
    TreeSet<String> types = new TreeSet<>();
    for (List<RawToken> raw : rawSentences) {
      List<String> tokens = new ArrayList<>(raw.size());
      for (RawToken t : raw) {
        tokens.add(t.word);
        if (t.prefix != 'O') {
          types.add(t.type);
        }
      }
      sentences.add(new NerSentence(tokens, toIob2(sourceName, raw, actual)));
    }
    if (types.isEmpty()) {
      throw new DatasetFormatException(sourceName, DatasetFormatException.NO_LINE,
          "contains no entities (every tag is O); a NER dataset needs at least one entity type");
    }
    if (marked[0]) {
      sentences = inDocuments(sentences, documentIds);
    }
    return new NerDataset(sourceName, actual, sentences, LabelSets.nerLabels(types));
  }

  private record RawToken(String word, char prefix, String type, String tag, int line) {}

  /** The sentences linked to their documents: consecutive sentences with the same id form one. */
  private static List<NerSentence> inDocuments(List<NerSentence> sentences, List<Integer> documentIds) {
    List<NerSentence> linked = new ArrayList<>(sentences.size());
    int from = 0;
    for (int i = 1; i <= sentences.size(); i++) {
      if (i == sentences.size() || !documentIds.get(i).equals(documentIds.get(from))) {
        NerSentence.Document document = new NerSentence.Document(sentences.subList(from, i));
        for (int j = from; j < i; j++) {
          linked.add(sentences.get(j).inDocument(document, j - from));
        }
        from = i;
      }
    }
    return linked;
  }

  /**
   * The sentences of the text; {@code documentIds} receives each one's document number, and {@code marked[0]} whether
   * the text marks documents at all.
   */
  private static List<List<RawToken>> parse(String source, Reader reader, List<Integer> documentIds,
      boolean[] marked) throws IOException {
    BufferedReader lines = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
    List<List<RawToken>> sentences = new ArrayList<>();
    List<RawToken> current = new ArrayList<>();
    int lineNo = 0;
    int document = 0;
    int blankRun = 0;
    while (true) {
      String line;
      try {
        line = lines.readLine();
      } catch (CharacterCodingException e) {
        throw new DatasetFormatException(source, lineNo + 1, "not valid UTF-8", e);
      }
      if (line == null) {
        break;
      }
      lineNo++;
      if (lineNo == 1 && line.startsWith("\uFEFF")) {
        line = line.substring(1);
      }
      if (line.isBlank()) {
        endSentence(sentences, current, documentIds, document);
        current = new ArrayList<>();
        blankRun++;
        continue;
      }
      if (blankRun >= 2 && !sentences.isEmpty()) { // a run of blank lines between two sentences
        document++;
        marked[0] = true;
      }
      blankRun = 0;
      String[] columns = line.indexOf('\t') >= 0 ? line.split("\t") : WHITESPACE.split(line.strip());
      String word = columns[0].strip();
      if (word.equals(DOCSTART)) {
        endSentence(sentences, current, documentIds, document);
        current = new ArrayList<>();
        document++;
        marked[0] = true;
        continue;
      }
      if (columns.length < 2) {
        throw new DatasetFormatException(source, lineNo,
            "expected at least 2 columns (token ... tag), found 1: '" + line + "'");
      }
      if (word.isEmpty()) {
        throw new DatasetFormatException(source, lineNo, "empty token in first column: '" + line + "'");
      }
      current.add(parseTag(source, lineNo, word, columns[columns.length - 1].strip()));
    }
    endSentence(sentences, current, documentIds, document);
    return sentences;
  }

  private static void endSentence(List<List<RawToken>> sentences, List<RawToken> current, List<Integer> documentIds,
      int document) {
    if (!current.isEmpty()) {
      sentences.add(current);
      documentIds.add(document);
    }
  }

  private static RawToken parseTag(String source, int line, String word, String tag) {
    if (tag.equals(LabelSets.OUTSIDE)) {
      return new RawToken(word, 'O', "", tag, line);
    }
    if (tag.length() < 3 || tag.charAt(1) != '-' || "BIESLU".indexOf(tag.charAt(0)) < 0) {
      throw new DatasetFormatException(source, line, "invalid tag '" + tag
          + "': expected O or B-/I-/E-/S-/L-/U- followed by an entity type");
    }
    String type = tag.substring(2);
    if (type.isBlank()) {
      throw new DatasetFormatException(source, line, "invalid tag '" + tag + "': empty entity type");
    }
    return new RawToken(word, tag.charAt(0), type, tag, line);
  }

  private static TagScheme detect(List<List<RawToken>> sentences) {
    boolean iob1 = false;
    for (List<RawToken> sentence : sentences) {
      RawToken prev = null;
      for (RawToken t : sentence) {
        if ("ESLU".indexOf(t.prefix) >= 0) {
          return TagScheme.BIOES;
        }
        if (t.prefix == 'I' && !continues(prev, t)) {
          iob1 = true;
        }
        prev = t;
      }
    }
    return iob1 ? TagScheme.IOB1 : TagScheme.IOB2;
  }

  /** Whether {@code t} can continue an entity that {@code prev} began or continued (B/I of the same type). */
  private static boolean continues(RawToken prev, RawToken t) {
    return prev != null && (prev.prefix == 'B' || prev.prefix == 'I') && prev.type.equals(t.type);
  }

  private static List<String> toIob2(String source, List<RawToken> sentence, TagScheme scheme) {
    List<String> tags = new ArrayList<>(sentence.size());
    RawToken prev = null;
    for (RawToken t : sentence) {
      tags.add(switch (t.prefix) {
        case 'O' -> LabelSets.OUTSIDE;
        case 'B' -> "B-" + t.type;
        case 'S', 'U' -> {
          requireEndPrefixes(source, t, scheme);
          yield "B-" + t.type;
        }
        case 'E', 'L' -> {
          requireEndPrefixes(source, t, scheme);
          requireContinuation(source, prev, t, scheme);
          yield "I-" + t.type;
        }
        case 'I' -> {
          if (continues(prev, t)) {
            yield "I-" + t.type;
          }
          // IOB1: an I- that does not continue an entity starts one.
          if (scheme == TagScheme.IOB1) {
            yield "B-" + t.type;
          }
          requireContinuation(source, prev, t, scheme);
          throw new AssertionError("unreachable");
        }
        default -> throw new AssertionError("unexpected prefix " + t.prefix);
      });
      prev = t;
    }
    return tags;
  }

  private static void requireEndPrefixes(String source, RawToken t, TagScheme scheme) {
    if (!scheme.hasEndPrefixes()) {
      throw new DatasetFormatException(source, t.line,
          "tag '" + t.tag + "' is not valid in " + scheme + " (only B-, I- and O)");
    }
  }

  private static void requireContinuation(String source, RawToken prev, RawToken t, TagScheme scheme) {
    if (!continues(prev, t)) {
      String after = prev == null ? "at the start of a sentence" : "after '" + prev.tag + "'";
      throw new DatasetFormatException(source, t.line, "tag '" + t.tag + "' " + after + " is not valid in "
          + scheme + ": it must continue a B-" + t.type + " or I-" + t.type
          + (scheme == TagScheme.IOB2 ? " (is the file IOB1? then read it as IOB1 or let the scheme be detected)" : ""));
    }
  }
}
