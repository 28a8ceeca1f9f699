package org.streambert.bert.qa;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the SQuAD v1.1 JSON layout: {@code {"data": [{"title", "paragraphs": [{"context", "qas": [{"id",
 * "question", "answers": [{"text", "answer_start"}]}]}]}]}}. Fields the reader does not need ({@code version},
 * {@code title}, v2.0's {@code is_impossible}) are ignored. Thread-safe.
 */
public final class SquadReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SquadReader() {
  }

  /**
   * Every question of the file, in file order.
   *
   * @throws IllegalArgumentException naming the file and the JSON path of the first malformed element
   */
  public static List<SquadExample> read(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Every question of a SQuAD JSON stream; {@code source} names it in errors. */
  public static List<SquadExample> read(InputStream in, String source) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(in);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
    JsonNode data = root == null ? null : root.get("data");
    if (data == null || !data.isArray()) {
      throw new IllegalArgumentException(source + ": expected an object with a \"data\" array (SQuAD layout)");
    }
    List<SquadExample> out = new ArrayList<>();
    for (int a = 0; a < data.size(); a++) {
      JsonNode paragraphs = array(data.get(a), "paragraphs", source, "data[" + a + "]");
      for (int p = 0; p < paragraphs.size(); p++) {
        String where = "data[" + a + "].paragraphs[" + p + "]";
        JsonNode paragraph = paragraphs.get(p);
        String context = text(paragraph, "context", source, where);
        int contextLength = context.codePointCount(0, context.length());
        JsonNode qas = array(paragraph, "qas", source, where);
        for (int q = 0; q < qas.size(); q++) {
          String qWhere = where + ".qas[" + q + "]";
          JsonNode qa = qas.get(q);
          String id = text(qa, "id", source, qWhere);
          String question = text(qa, "question", source, qWhere);
          JsonNode answers = qa.has("answers") ? array(qa, "answers", source, qWhere) : JSON.createArrayNode();
          List<SquadExample.Answer> parsed = new ArrayList<>();
          for (int i = 0; i < answers.size(); i++) {
            String aWhere = qWhere + ".answers[" + i + "]";
            String answerText = text(answers.get(i), "text", source, aWhere);
            JsonNode start = answers.get(i).get("answer_start");
            if (start == null || !start.canConvertToInt()) {
              throw new IllegalArgumentException(source + ": " + aWhere + ".answer_start must be an integer, got "
                  + start);
            }
            SquadExample.Answer answer = new SquadExample.Answer(answerText, start.intValue());
            if (answer.start() < 0 || answer.end() > contextLength) {
              throw new IllegalArgumentException(source + ": " + aWhere + " spans [" + answer.start() + ", "
                  + answer.end() + ") outside its context of " + contextLength + " code points");
            }
            parsed.add(answer);
          }
          out.add(new SquadExample(id, question, context, parsed));
        }
      }
    }
    return out;
  }

  private static JsonNode array(JsonNode node, String field, String source, String where) {
    JsonNode v = node == null ? null : node.get(field);
    if (v == null || !v.isArray()) {
      throw new IllegalArgumentException(source + ": " + where + "." + field + " must be an array");
    }
    return v;
  }

  private static String text(JsonNode node, String field, String source, String where) {
    JsonNode v = node == null ? null : node.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException(source + ": " + where + "." + field + " must be a string");
    }
    return v.textValue();
  }
}
