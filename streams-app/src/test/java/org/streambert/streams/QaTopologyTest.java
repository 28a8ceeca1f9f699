package org.streambert.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.qa.QaHead;
import org.streambert.bert.weights.GoogleCheckpoint;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.QaAnswer;
import org.streambert.streams.serving.QaModel;
import org.streambert.streams.testing.Harness;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;
import org.tensorflow.ndarray.Shape;

/**
 * Question-answering mode with a tiny QA checkpoint of random weights (L=2, H=32) in the layout fine-tune-squad writes:
 * what is checked is the wiring and the answer's structure, not its quality (SquadTrainerTest covers learning).
 */
class QaTopologyTest {
  private static final BertConfig CFG = new BertConfig(TestModels.VOCAB.size(), 32, 2, 2, 64, Activation.GELU_TANH,
      0.0, 0.0, 64, 2, 0.02);

  @TempDir
  static Path shared;
  @TempDir
  Path dir;

  private static QaModel qa;
  private Harness h;

  /** A Google-style checkpoint of the encoder and (if asked) the span head, random normal(0, 0.02) values. */
  static Path writeQaCheckpoint(Path out, boolean withSpanHead) throws Exception {
    Map<String, Shape> shapes = new LinkedHashMap<>(BertGraph.variableShapes(CFG, HeadsSpec.NONE));
    if (withSpanHead) {
      shapes.putAll(QaHead.variableShapes(CFG));
    }
    Random rnd = new Random(5);
    Map<String, float[]> values = new LinkedHashMap<>();
    shapes.forEach((name, shape) -> {
      float[] v = new float[(int) shape.size()];
      boolean gamma = name.endsWith("LayerNorm/gamma");
      for (int i = 0; i < v.length; i++) {
        v[i] = gamma ? 1f : (float) (rnd.nextGaussian() * 0.02);
      }
      values.put(name, v);
    });
    Files.createDirectories(out);
    CFG.write(out.resolve(GoogleCheckpoint.CONFIG_FILE));
    GoogleCheckpoint.write(out.resolve(GoogleCheckpoint.CHECKPOINT_PREFIX), values, shapes);
    Files.write(out.resolve(GoogleCheckpoint.VOCAB_FILE), TestModels.VOCAB, StandardCharsets.UTF_8);
    Files.writeString(out.resolve(QaModel.SETTINGS_FILE), "{\"doLowerCase\": true, \"maxSeqLength\": 16, "
        + "\"docStride\": 4, \"maxQueryLength\": 4, \"nBestSize\": 5, \"maxAnswerLength\": 4}");
    return out;
  }

  @BeforeAll
  static void loadModel() throws Exception {
    qa = QaModel.load(writeQaCheckpoint(shared.resolve("qa-model"), true));
  }

  @AfterAll
  static void closeModel() {
    if (qa != null) {
      qa.close();
    }
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  private void start() {
    h = new Harness(dir, Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 3), cp -> { }, null, qa);
    h.models.swap(TestModels.serving("1", RuleForwardPass.standard()));
  }

  private void send(String id, String text, Map<String, String> metadata) {
    h.input.pipeInput(id.getBytes(StandardCharsets.UTF_8), h.avro(id, text, metadata));
  }

  @Test
  void shouldAnswerWithASpanOfTheContextInCodePoints() {
    start();
    // 🙂 is outside the BMP: a char offset and a code-point offset differ after it. The context is longer than
    // one 16-token window, so the answer is decoded across windows.
    String context = "🙂 hello world the day is good alice met bob the day is bad bob met alice hello world";
    send("a", context, Map.of("question", "who met bob"));
    send("b", "good day", Map.of("question", "is the day good"));
    send("c", "alice met bob", Map.of("other", "x"));
    List<EnrichedText> out = h.output.readValuesToList();
    assertEquals(3, out.size());
    for (EnrichedText e : out.subList(0, 2)) {
      QaAnswer a = e.getAnswer();
      assertNotNull(a, e.getId() + " has a question but no answer");
      String text = e.getText();
      int length = text.codePointCount(0, text.length());
      assertTrue(0 <= a.getStart() && a.getStart() < a.getEnd() && a.getEnd() <= length, a.toString());
      String span = text.substring(text.offsetByCodePoints(0, a.getStart()), text.offsetByCodePoints(0, a.getEnd()));
      assertEquals(span, a.getText());
      assertTrue(a.getScore() >= 0f && a.getScore() <= 1f, a.toString());
      assertNotNull(e.getClassification(), "QA comes on top of the model's own outputs");
    }
    assertEquals("who met bob", out.get(0).getAnswer().getQuestion());
    assertNull(out.get(2).getAnswer(), "a record without a question gets no answer");
  }

  @Test
  void shouldIgnoreQuestionsWhenQaModeIsOff() {
    h = new Harness(dir, Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1), cp -> { });
    h.models.swap(TestModels.serving("1", RuleForwardPass.standard()));
    send("a", "alice met bob", Map.of("question", "who met bob"));
    assertNull(h.output.readValue().getAnswer());
  }

  @Test
  void shouldRefuseADirectoryWithoutASpanHead() throws Exception {
    Path notQa = writeQaCheckpoint(dir.resolve("not-qa"), false);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QaModel.load(notQa));
    assertTrue(e.getMessage().contains("cls/squad"), e.getMessage());
  }
}
