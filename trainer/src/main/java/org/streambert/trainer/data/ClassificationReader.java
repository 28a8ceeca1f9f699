package org.streambert.trainer.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads text classification datasets.
 *
 * <ul>
 *   <li>TSV: one example per line, {@code text<TAB>label}, exactly two columns. An optional first line
 *       {@code text<TAB>label} (also {@code sentence<TAB>label}, any case) is a header and skipped.
 *   <li>JSONL: one JSON object per line, {@code {"text": "...", "label": ...}}; the label may be a
 *       string, a number or a boolean and is kept as its text; other fields are ignored.
 * </ul>
 *
 * Blank lines are skipped; files are UTF-8. Refused with {@link DatasetFormatException} naming file and
 * line: a TSV line without a tab or with more than one, invalid JSON, a missing or empty text or label;
 * and, for the whole file, no examples or a single distinct label.
 */
public final class ClassificationReader {

  /** Formats understood by {@link #read(Path, Format)}. */
  public enum Format {
    TSV,
    JSONL;

    /** {@code .jsonl}/{@code .json}/{@code .ndjson} are JSONL, everything else TSV. */
    public static Format of(Path file) {
      String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
      return name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson") ? JSONL : TSV;
    }
  }

  private static final Set<String> HEADER_TEXT_COLUMNS = Set.of("text", "sentence");
  private static final String HEADER_LABEL_COLUMN = "label";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ClassificationReader() {}

  /** Reads a file whose format is given by its extension ({@link Format#of}). */
  public static ClassificationDataset read(Path file) {
    return read(file, Format.of(file));
  }

  public static ClassificationDataset read(Path file, Format format) {
    try (BufferedReader reader = Files.newBufferedReader(file)) {
      return read(file.toString(), reader, format);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads from a reader (not closed); {@code sourceName} is used in messages. */
  public static ClassificationDataset read(String sourceName, Reader reader, Format format) throws IOException {
    BufferedReader lines = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
    List<ClassificationExample> examples = new ArrayList<>();
    int lineNo = 0;
    while (true) {
      String line;
      try {
        line = lines.readLine();
      } catch (CharacterCodingException e) {
        throw new DatasetFormatException(sourceName, lineNo + 1, "not valid UTF-8", e);
      }
      if (line == null) {
        break;
      }
      lineNo++;
      if (lineNo == 1 && line.startsWith("\uFEFF")) {
        line = line.substring(1);
      }
      if (line.isBlank()) {
        continue;
      }
      ClassificationExample example = format == Format.TSV
          ? parseTsv(sourceName, lineNo, line, examples.isEmpty())
          : parseJson(sourceName, lineNo, line);
      if (example != null) {
        examples.add(example);
      }
    }
    if (examples.isEmpty()) {
      throw new DatasetFormatException(sourceName, DatasetFormatException.NO_LINE, "contains no examples");
    }
    List<String> labels = LabelSets.classLabels(examples.stream().map(ClassificationExample::label).toList());
    if (labels.size() < 2) {
      throw new DatasetFormatException(sourceName, DatasetFormatException.NO_LINE,
          "every example has the label '" + labels.get(0) + "'; classification needs at least two labels");
    }
    return new ClassificationDataset(sourceName, examples, labels);
  }

  private static ClassificationExample parseTsv(String source, int line, String text, boolean mayBeHeader) {
    String[] columns = text.split("\t", -1);
    if (columns.length != 2) {
      throw new DatasetFormatException(source, line, columns.length == 1
          ? "no tab: expected text<TAB>label"
          : "expected 2 tab-separated columns (text, label), found " + columns.length);
    }
    String body = columns[0].strip();
    String label = columns[1].strip();
    if (mayBeHeader && HEADER_TEXT_COLUMNS.contains(body.toLowerCase(Locale.ROOT))
        && label.equalsIgnoreCase(HEADER_LABEL_COLUMN)) {
      return null;
    }
    return example(source, line, body, label);
  }

  private static ClassificationExample parseJson(String source, int line, String text) {
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new DatasetFormatException(source, line, "invalid JSON: " + e.getOriginalMessage(), e);
    }
    if (node == null || !node.isObject()) {
      throw new DatasetFormatException(source, line, "expected a JSON object {\"text\": ..., \"label\": ...}");
    }
    JsonNode body = node.get("text");
    if (body == null || !body.isTextual()) {
      throw new DatasetFormatException(source, line, "missing \"text\" string");
    }
    JsonNode label = node.get("label");
    if (label == null || !(label.isTextual() || label.isNumber() || label.isBoolean())) {
      throw new DatasetFormatException(source, line, "missing \"label\" (a string, number or boolean)");
    }
    return example(source, line, body.asText().strip(), label.asText().strip());
  }

  private static ClassificationExample example(String source, int line, String text, String label) {
    if (text.isEmpty()) {
      throw new DatasetFormatException(source, line, "empty text");
    }
    if (label.isEmpty()) {
      throw new DatasetFormatException(source, line, "empty label");
    }
    return new ClassificationExample(text, label);
  }
}
