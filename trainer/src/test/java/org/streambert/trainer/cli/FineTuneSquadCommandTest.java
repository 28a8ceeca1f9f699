package org.streambert.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.weights.GoogleCheckpoint;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.TrainerApp;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** {@code trainer fine-tune-squad} on a tiny synthetic SQuAD file (learning itself is SquadTrainerTest's job). */
class FineTuneSquadCommandTest {
  private static final String[] NAMES = {"anna", "bert", "carl", "dora", "emil", "fritz"};
  private static final String[] CITIES = {"paris", "rome", "oslo", "bern", "kyiv", "lima"};

  @TempDir
  Path dir;

  /** "where does X live ?" about "X lives in C . Y lives in D ." with answer C. */
  private static Path squad(Path file, int questions, int offset) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.1");
    ArrayNode paragraphs = root.putArray("data").addObject().put("title", "t").putArray("paragraphs");
    for (int q = 0; q < questions; q++) {
      int a = (q + offset) % NAMES.length;
      int b = (q + offset + 1) % NAMES.length;
      String city = CITIES[(q * 5 + offset) % CITIES.length];
      String context = NAMES[a] + " lives in " + city + " . " + NAMES[b] + " lives in "
          + CITIES[(q * 5 + offset + 1) % CITIES.length] + " .";
      ObjectNode p = paragraphs.addObject().put("context", context);
      ObjectNode qa = p.putArray("qas").addObject().put("id", "q" + offset + "-" + q)
          .put("question", "where does " + NAMES[a] + " live ?");
      qa.putArray("answers").addObject().put("text", city).put("answer_start", context.indexOf(city));
    }
    json.writeValue(file.toFile(), root);
    return file;
  }

  @Test
  void shouldWriteACheckpointWithExactMatchAndF1() throws Exception {
    Path cfg = dir.resolve("bert_config.json");
    new BertConfig(10, 32, 2, 2, 64, Activation.GELU_TANH, 0.0, 0.0, 64, 2, 0.02).write(cfg);
    Path out = dir.resolve("qa");
    int code = TrainerApp.run("fine-tune-squad", "--bert-config", cfg.toString(),
        "--train", squad(dir.resolve("train.json"), 24, 0).toString(),
        "--dev", squad(dir.resolve("dev.json"), 6, 3).toString(), "--out", out.toString(), "--max-steps", "20",
        "--batch-size", "8", "--lr", "1e-3", "--max-seq-length", "32", "--doc-stride", "16",
        "--max-query-length", "8");
    assertEquals(ExitCodes.OK, code);
    JsonNode metrics = new ObjectMapper().readTree(out.resolve(FineTuneSquadCommand.METRICS_FILE).toFile());
    assertEquals(6, metrics.get("devQuestions").asInt());
    double em = metrics.get("exactMatch").asDouble();
    double f1 = metrics.get("f1").asDouble();
    assertTrue(em >= 0 && em <= f1 && f1 <= 100, metrics.toString());
    assertTrue(Files.exists(out.resolve(GoogleCheckpoint.VOCAB_FILE)));
    try (GoogleCheckpoint ckpt = GoogleCheckpoint.open(out)) {
      Optional<TFloat32> head = ckpt.read("cls/squad/output_weights", Shape.of(2, 32));
      assertTrue(head.isPresent(), "the checkpoint lacks the span head");
      head.get().close();
    }
    JsonNode settings = new ObjectMapper().readTree(out.resolve(QaSettings.FILE).toFile());
    assertEquals(32, settings.get("maxSeqLength").asInt());
    assertEquals(16, settings.get("docStride").asInt());
  }

  @Test
  void shouldExitWithTwoForAMissingTrainingFile() {
    assertEquals(ExitCodes.BAD_INPUT, TrainerApp.run("fine-tune-squad", "--bert-config",
        dir.resolve("none.json").toString(), "--train", dir.resolve("missing.json").toString(), "--out",
        dir.resolve("qa").toString()));
  }
}
