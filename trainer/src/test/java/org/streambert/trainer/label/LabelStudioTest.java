package org.streambert.trainer.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.TrainingExample;

/**
 * Label Studio in and out, on the examples of its documentation (the NER pre-annotation example of "Import
 * pre-annotated data", the task format's {@code annotations}) and on texts with emoji, where Label Studio's offsets
 * (UTF-16 code units) and the project's (code points) differ.
 */
class LabelStudioTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  /** The first task of Label Studio's NER pre-annotation example (docs/source/guide/predictions.md). */
  private static final String DOCS_TEXT = "All that changed when he was 27 and he came to Jerusalem. It was the "
      + "weekend of both Easter and Passover, and the city was flooded with tourists.";

  private static TrainingExample request(String text, String label, List<EntitySpan> spans) {
    return TrainingExample.newBuilder().setId(LabelStudio.sha256(text)).setText(text).setLabel(label)
        .setEntities(spans).setSource("suggestion:m@3 top=0.55").setCreatedAt(NOW).setModelVersion("m@3")
        .setScore(0.55f).build();
  }

  @Test
  void shouldExportTheDocsExampleWithTheSameOffsetsAndAClassChoice() {
    TrainingExample r = request(DOCS_TEXT, "travel", List.of(new EntitySpan("Date", 29, 31),
        new EntitySpan("Location", 47, 56), new EntitySpan("Date", 65, 76), new EntitySpan("Date", 85, 91)));
    ObjectNode task = LabelStudio.task(r);
    assertEquals(DOCS_TEXT, task.path("data").path("text").asText());
    JsonNode prediction = task.path("predictions").get(0);
    assertEquals("m@3", prediction.path("model_version").asText());
    assertEquals(0.55, prediction.path("score").asDouble(), 1e-6);
    JsonNode result = prediction.path("result");
    assertEquals("choices", result.get(0).path("type").asText());
    assertEquals("travel", result.get(0).path("value").path("choices").get(0).asText());
    // The documentation's offsets and texts: 27 at 29..31, Jerusalem at 47..56, the weekend 65..76, Easter 85..91.
    int[][] expected = {{29, 31}, {47, 56}, {65, 76}, {85, 91}};
    String[] texts = {"27", "Jerusalem", "the weekend", "Easter"};
    for (int i = 0; i < 4; i++) {
      JsonNode v = result.get(i + 1).path("value");
      assertEquals("labels", result.get(i + 1).path("type").asText());
      assertEquals(expected[i][0], v.path("start").asInt());
      assertEquals(expected[i][1], v.path("end").asInt());
      assertEquals(texts[i], v.path("text").asText());
    }
  }

  @Test
  void shouldCountEmojiAsTwoUnitsOnExportAsLabelStudioDoes() {
    // Label Studio issue #1347: in "💩This is an annotation." the word "annotation" is 13..23 in Label Studio.
    String text = "\uD83D\uDCA9This is an annotation.";
    TrainingExample r = request(text, null, List.of(new EntitySpan("Annotation", 12, 22)));
    JsonNode v = LabelStudio.task(r).path("predictions").get(0).path("result").get(0).path("value");
    assertEquals(13, v.path("start").asInt());
    assertEquals(23, v.path("end").asInt());
    assertEquals("annotation", v.path("text").asText());
  }

  /** The documentation's NER task with its first prediction as an annotation, as Label Studio exports it. */
  private static JsonNode docsExport() throws Exception {
    return JSON.readTree("""
        [{"id": 1, "data": {"text": "%s"},
          "annotations": [{"id": "1001", "completed_by": 10, "was_cancelled": false,
            "created_at": "2021-03-09T22:16:08.728353Z",
            "result": [
              {"id": "abc", "from_name": "label", "to_name": "text", "type": "labels",
               "value": {"start": 29, "end": 31, "score": 0.70, "text": "27", "labels": ["Date"]}},
              {"id": "def", "from_name": "label", "to_name": "text", "type": "labels",
               "value": {"start": 47, "end": 56, "score": 0.65, "text": "Jerusalem", "labels": ["Location"]}},
              {"id": "ghi", "from_name": "label", "to_name": "text", "type": "labels",
               "value": {"start": 65, "end": 76, "score": 0.95, "text": "the weekend", "labels": ["Date"]}},
              {"id": "c1", "from_name": "class", "to_name": "text", "type": "choices",
               "value": {"choices": ["travel"]}}]},
            {"id": "1002", "completed_by": 11, "was_cancelled": true, "result": []}]}]
        """.formatted(DOCS_TEXT));
  }

  @Test
  void shouldImportTheDocsExampleAsOneExamplePerAnnotationWithItsAnnotator() throws Exception {
    List<TrainingExample> read = LabelStudio.read(docsExport(), "import:label-studio", NOW);
    assertEquals(1, read.size(), "the cancelled annotation is left out");
    TrainingExample e = read.get(0);
    assertEquals(LabelStudio.sha256(DOCS_TEXT), e.getId(), "the id the app gives the text's labelling request");
    assertEquals("travel", e.getLabel());
    assertEquals(List.of(new EntitySpan("Date", 29, 31), new EntitySpan("Location", 47, 56),
        new EntitySpan("Date", 65, 76)), e.getEntities());
    assertEquals("label-studio:10", e.getLabeller());
    assertEquals(Instant.parse("2021-03-09T22:16:08.728Z"), e.getCreatedAt(), "milliseconds, as the schema keeps");
  }

  @Test
  void shouldRoundTripEmojiTextsThroughExportAndImport() throws Exception {
    String text = "Flight to Z\u00fcrich \u2708\uFE0F then \uD83D\uDE80 to Mars with Ada \uD83D\uDC69\u200D\uD83D\uDCBB";
    List<EntitySpan> spans = List.of(new EntitySpan("LOC", 10, 16), new EntitySpan("LOC", 30, 34),
        new EntitySpan("PER", 40, 43));
    assertEquals("Z\u00fcrich", sub(text, spans.get(0)));
    assertEquals("Mars", sub(text, spans.get(1)));
    assertEquals("Ada", sub(text, spans.get(2)));
    ObjectNode task = LabelStudio.task(request(text, "travel", spans));
    // Label Studio answers with its own result: the prediction accepted as it stands.
    ObjectNode exported = task.deepCopy();
    exported.putArray("annotations").addObject().put("completed_by", 3)
        .set("result", task.path("predictions").get(0).path("result"));
    List<TrainingExample> back = LabelStudio.read(JSON.createArrayNode().add(exported), "import", NOW);
    assertEquals(spans, back.get(0).getEntities());
    assertEquals("travel", back.get(0).getLabel());
    assertEquals(task.path("data").path("request_id").asText(), back.get(0).getId());
    assertEquals("m@3", back.get(0).getModelVersion());
  }

  private static String sub(String text, EntitySpan s) {
    return text.substring(text.offsetByCodePoints(0, s.getStart()), text.offsetByCodePoints(0, s.getEnd()));
  }

  @Test
  void shouldReadIssue1347sExportAndAVersionCountingCodePoints() throws Exception {
    String text = "\uD83D\uDCA9This is an annotation.";
    String utf16 = """
        [{"data": {"text": "%s"}, "annotations": [{"completed_by": 1, "result": [{"type": "labels",
          "value": {"start": 13, "end": 23, "text": "annotation", "labels": ["Annotation"]}}]}]}]""".formatted(text);
    assertEquals(List.of(new EntitySpan("Annotation", 12, 22)),
        LabelStudio.read(JSON.readTree(utf16), "import", NOW).get(0).getEntities());
    String codePoints = utf16.replace("\"start\": 13, \"end\": 23", "\"start\": 12, \"end\": 22");
    assertEquals(List.of(new EntitySpan("Annotation", 12, 22)),
        LabelStudio.read(JSON.readTree(codePoints), "import", NOW).get(0).getEntities(),
        "offsets that only fit as code points are read as code points");
  }

  @Test
  void shouldRefuseSpansThatSplitAnEmojiOrDoNotHoldTheirText() throws Exception {
    String text = "\uD83D\uDE80 rocket";
    String splitting = """
        [{"data": {"text": "%s"}, "annotations": [{"result": [{"type": "labels",
          "value": {"start": 1, "end": 4, "labels": ["X"]}}]}]}]""".formatted(text);
    assertThrows(IllegalArgumentException.class, () -> LabelStudio.read(JSON.readTree(splitting), "i", NOW));
    String wrongText = """
        [{"data": {"text": "%s"}, "annotations": [{"result": [{"type": "labels",
          "value": {"start": 3, "end": 9, "text": "planet", "labels": ["X"]}}]}]}]""".formatted(text);
    assertThrows(IllegalArgumentException.class, () -> LabelStudio.read(JSON.readTree(wrongText), "i", NOW));
    String outside = """
        [{"data": {"text": "abc"}, "annotations": [{"result": [{"type": "labels",
          "value": {"start": 1, "end": 99, "labels": ["X"]}}]}]}]""";
    assertThrows(IllegalArgumentException.class, () -> LabelStudio.read(JSON.readTree(outside), "i", NOW));
    assertThrows(IllegalArgumentException.class, () -> LabelStudio.read(JSON.readTree("[{\"data\": {}}]"), "i", NOW));
    String longLabel = """
        [{"data": {"text": "abc"}, "annotations": [{"result": [{"type": "choices",
          "value": {"choices": ["%s"]}}]}]}]""".formatted("x".repeat(LabelStudio.MAX_NAME_CHARS + 1));
    assertThrows(IllegalArgumentException.class, () -> LabelStudio.read(JSON.readTree(longLabel), "i", NOW));
  }

  @Test
  void shouldLeaveEntitiesNullWithoutSpanResultsAndClassNullWithoutChoices() throws Exception {
    JsonNode export = JSON.readTree("""
        [{"data": {"text": "plain text", "request_id": "r-1"}, "annotations": [{"completed_by": {"id": 4,
          "email": "ann@example.org"}, "result": []}]}]""");
    TrainingExample e = LabelStudio.read(export, "i", NOW).get(0);
    assertEquals("r-1", e.getId());
    assertNull(e.getLabel());
    assertNull(e.getEntities());
    assertEquals("label-studio:ann@example.org", e.getLabeller());
    assertTrue(e.getCreatedAt().equals(NOW));
  }
}
