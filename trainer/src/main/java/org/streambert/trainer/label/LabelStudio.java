package org.streambert.trainer.label;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.TrainingExample;

/**
 * Label Studio in and out: labelling requests as Label Studio tasks with the model's prediction (its JSON task format,
 * {@code predictions[].result} with a {@code choices} result for the class and {@code labels} results for entity
 * spans), and Label Studio's JSON export read back as {@link TrainingExample}s (unsigned: the caller signs them with
 * the importing labeller's key).
 *
 * <p>Offsets: this project counts Unicode code points; Label Studio's text editor counts JavaScript string indices,
 * UTF-16 code units, so every character outside the BMP (emoji) counts 2 there (its issue #1347: in
 * {@code "💩This is an annotation."} the word "annotation" exports as 13..23, code points 12..22). Export converts
 * code points to UTF-16; import converts back, and when a result carries its {@code text} it is checked against the
 * text at the offsets, read as UTF-16 first and as code points second (a Label Studio version that counts code points
 * imports correctly too); a span that matches neither is refused.
 *
 * <p>The project's labelling config that fits these tasks: {@code <View><Text name="text" value="$text"/>
 * <Choices name="class" toName="text">…</Choices><Labels name="label" toName="text">…</Labels></View>}.
 */
public final class LabelStudio {

  /** The control tag names used in exported tasks ({@code from_name}) and the object tag ({@code to_name}). */
  public static final String CLASS_CONTROL = "class";
  public static final String SPAN_CONTROL = "label";
  public static final String TEXT_OBJECT = "text";
  /** Largest export file read. */
  public static final long MAX_IMPORT_BYTES = 64L * 1024 * 1024;
  /** Most tasks, annotations per task, results per annotation, and code points per text read. */
  public static final int MAX_TASKS = 100_000;
  public static final int MAX_ANNOTATIONS = 16;
  public static final int MAX_RESULTS = 1_000;
  public static final int MAX_TEXT_CODE_POINTS = 100_000;
  /** Longest label, labeller or id string read. */
  public static final int MAX_NAME_CHARS = 200;

  private static final ObjectMapper JSON = new ObjectMapper();

  private LabelStudio() {
  }

  /** The UTF-16 offset (what Label Studio counts) of code point offset {@code codePoints} in {@code text}. */
  public static int toUtf16(String text, int codePoints) {
    return text.offsetByCodePoints(0, codePoints);
  }

  /**
   * The code point offset of UTF-16 offset {@code utf16} in {@code text}.
   *
   * @throws IllegalArgumentException when it lies outside the text or between the two halves of a surrogate pair
   */
  public static int toCodePoints(String text, int utf16) {
    if (utf16 < 0 || utf16 > text.length()) {
      throw new IllegalArgumentException("offset " + utf16 + " outside a text of " + text.length() + " UTF-16 units");
    }
    if (utf16 > 0 && utf16 < text.length() && Character.isLowSurrogate(text.charAt(utf16))
        && Character.isHighSurrogate(text.charAt(utf16 - 1))) {
      throw new IllegalArgumentException("offset " + utf16 + " splits a character outside the BMP");
    }
    return text.codePointCount(0, utf16);
  }

  /**
   * A labelling request as a Label Studio task: {@code data.text}, {@code data.request_id},
   * {@code data.model_version}, and one prediction (the request's class and entities) with the model version and, when
   * known, the class score.
   */
  public static ObjectNode task(TrainingExample request) {
    ObjectNode task = JSON.createObjectNode();
    ObjectNode data = task.putObject("data");
    data.put("text", request.getText());
    data.put("request_id", request.getId());
    if (request.getModelVersion() != null) {
      data.put("model_version", request.getModelVersion());
    }
    ObjectNode prediction = task.putArray("predictions").addObject();
    prediction.put("model_version", request.getModelVersion() != null ? request.getModelVersion() : "unknown");
    if (request.getScore() != null) {
      prediction.put("score", request.getScore());
    }
    ArrayNode result = prediction.putArray("result");
    if (request.getLabel() != null) {
      ObjectNode choice = result.addObject();
      choice.put("id", "class");
      choice.put("from_name", CLASS_CONTROL);
      choice.put("to_name", TEXT_OBJECT);
      choice.put("type", "choices");
      choice.putObject("value").putArray("choices").add(request.getLabel());
    }
    if (request.getEntities() != null) {
      String text = request.getText();
      int n = 0;
      for (EntitySpan span : request.getEntities()) {
        ObjectNode r = result.addObject();
        r.put("id", "span" + n++);
        r.put("from_name", SPAN_CONTROL);
        r.put("to_name", TEXT_OBJECT);
        r.put("type", "labels");
        ObjectNode value = r.putObject("value");
        int start = toUtf16(text, span.getStart());
        int end = toUtf16(text, span.getEnd());
        value.put("start", start);
        value.put("end", end);
        value.put("text", text.substring(start, end));
        value.putArray("labels").add(span.getType());
      }
    }
    return task;
  }

  /** The tasks of {@code requests}, as one JSON array (Label Studio's import file). */
  public static ArrayNode tasks(Iterable<TrainingExample> requests) {
    ArrayNode out = JSON.createArrayNode();
    requests.forEach(r -> out.add(task(r)));
    return out;
  }

  /**
   * The answers in a Label Studio JSON export ({@code [{"data": {"text": …}, "annotations": [{"result": […],
   * "completed_by": …, "created_at": …, "was_cancelled": false}]}]}): one unsigned example per annotation that was not
   * cancelled, with the first {@code choices} value as its class and every {@code labels} result as an entity span
   * (code points; null when the annotation has no span result). The id is {@code data.request_id}, else the SHA-256
   * of the text (the id the app gives the text's labelling request); the labeller is {@code label-studio:} and the
   * annotator's id or e-mail.
   *
   * @param source the {@code source} of every example (e.g. {@code import:label-studio})
   * @param now    the time of annotations without {@code created_at}
   * @throws IllegalArgumentException naming the task and annotation of the first malformed or out-of-bounds entry
   */
  public static List<TrainingExample> read(JsonNode export, String source, Instant now) {
    JsonNode tasks = export.isArray() ? export : JSON.createArrayNode().add(export);
    if (tasks.size() > MAX_TASKS) {
      throw new IllegalArgumentException("the export holds more than " + MAX_TASKS + " tasks");
    }
    List<TrainingExample> out = new ArrayList<>();
    for (int t = 0; t < tasks.size(); t++) {
      JsonNode task = tasks.get(t);
      String where = "task " + t;
      String text = task.path("data").path("text").isTextual() ? task.path("data").path("text").asText() : null;
      if (text == null || text.isBlank()) {
        throw new IllegalArgumentException(where + ": no data.text");
      }
      if (text.codePointCount(0, text.length()) > MAX_TEXT_CODE_POINTS) {
        throw new IllegalArgumentException(where + ": text longer than " + MAX_TEXT_CODE_POINTS + " code points");
      }
      String id = name(task.path("data").path("request_id"), where + " data.request_id");
      if (id == null) {
        id = sha256(text);
      }
      String modelVersion = name(task.path("data").path("model_version"), where + " data.model_version");
      JsonNode annotations = task.path("annotations");
      if (annotations.size() > MAX_ANNOTATIONS) {
        throw new IllegalArgumentException(where + ": more than " + MAX_ANNOTATIONS + " annotations");
      }
      for (int a = 0; a < annotations.size(); a++) {
        JsonNode annotation = annotations.get(a);
        if (annotation.path("was_cancelled").asBoolean(false)) {
          continue;
        }
        out.add(example(text, id, modelVersion, annotation, where + " annotation " + a, source, now));
      }
    }
    return out;
  }

  private static TrainingExample example(String text, String id, String modelVersion, JsonNode annotation,
      String where, String source, Instant now) {
    JsonNode results = annotation.path("result");
    if (results.size() > MAX_RESULTS) {
      throw new IllegalArgumentException(where + ": more than " + MAX_RESULTS + " results");
    }
    String label = null;
    List<EntitySpan> spans = null;
    for (int r = 0; r < results.size(); r++) {
      JsonNode result = results.get(r);
      JsonNode value = result.path("value");
      String type = result.path("type").asText("");
      if (type.equals("choices") && label == null && value.path("choices").size() > 0) {
        label = name(value.path("choices").get(0), where + " result " + r + " choices");
      } else if (type.equals("labels")) {
        if (spans == null) {
          spans = new ArrayList<>();
        }
        String entityType = name(value.path("labels").path(0), where + " result " + r + " labels");
        if (entityType == null || !value.path("start").canConvertToInt() || !value.path("end").canConvertToInt()) {
          throw new IllegalArgumentException(where + " result " + r + ": a span needs start, end and one label");
        }
        spans.add(span(text, value.path("start").asInt(), value.path("end").asInt(),
            value.path("text").isTextual() ? value.path("text").asText() : null, entityType, where + " result " + r));
      }
    }
    JsonNode by = annotation.path("completed_by");
    String labeller = by.isObject() ? name(by.has("email") ? by.path("email") : by.path("id"), where + " completed_by")
        : by.isMissingNode() || by.isNull() ? null : name(by.isTextual() ? by : JSON.getNodeFactory()
            .textNode(by.asText()), where + " completed_by");
    Instant created = now;
    if (annotation.path("created_at").isTextual()) {
      try {
        created = Instant.parse(annotation.path("created_at").asText());
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(where + ": created_at is not an ISO-8601 instant");
      }
    }
    return TrainingExample.newBuilder().setId(id).setText(text).setLabel(label).setEntities(spans).setSource(source)
        .setCreatedAt(created.truncatedTo(ChronoUnit.MILLIS)).setLabeller("label-studio:" + (labeller == null ? "unknown" : labeller))
        .setModelVersion(modelVersion).build();
  }

  /** A Label Studio span as code points: UTF-16 offsets, or code points when only they match the span's text. */
  static EntitySpan span(String text, int start, int end, String spanText, String type, String where) {
    if (start < 0 || end <= start || end > text.length()) {
      throw new IllegalArgumentException(where + ": span " + start + ".." + end + " outside its text");
    }
    boolean utf16Fits = !splits(text, start) && !splits(text, end);
    if (spanText == null || utf16Fits && text.substring(start, end).equals(spanText)) {
      if (!utf16Fits) {
        throw new IllegalArgumentException(where + ": span " + start + ".." + end + " splits a character");
      }
      return new EntitySpan(type, toCodePoints(text, start), toCodePoints(text, end));
    }
    int cps = text.codePointCount(0, text.length());
    if (end <= cps && text.substring(toUtf16(text, start), toUtf16(text, end)).equals(spanText)) {
      return new EntitySpan(type, start, end); // counted in code points already
    }
    throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: span %d..%d does not hold its text, in UTF-16 "
        + "units or in code points", where, start, end));
  }

  private static boolean splits(String text, int utf16) {
    return utf16 > 0 && utf16 < text.length() && Character.isLowSurrogate(text.charAt(utf16))
        && Character.isHighSurrogate(text.charAt(utf16 - 1));
  }

  /** A short string value (label, id, e-mail), or null when absent. */
  private static String name(JsonNode node, String where) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return null;
    }
    String s = node.isValueNode() ? node.asText() : null;
    if (s == null || s.isBlank() || s.length() > MAX_NAME_CHARS) {
      throw new IllegalArgumentException(where + ": not a string of 1 to " + MAX_NAME_CHARS + " characters");
    }
    return s.strip();
  }

  /** Lower-case hex SHA-256 of the text's UTF-8 bytes: the id the app gives a text's labelling request. */
  public static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
