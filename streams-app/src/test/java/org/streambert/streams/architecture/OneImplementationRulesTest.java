package org.streambert.streams.architecture;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Seams that exist once (issue 30): a second implementation, where a text rule can tell, fails here. Read from the
 * checkout's main sources, like {@link DependencyRulesTest}.
 */
class OneImplementationRulesTest {

  private static final Path ROOT = DependencyRulesTest.projectRoot();
  private static final String ENGINE = "trainer/src/main/java/org/streambert/trainer/engine/";
  private static final String OPTIM = "trainer/src/main/java/org/streambert/trainer/optim/";
  private static final String INPUT_BUILDER = "bert/src/main/java/org/streambert/bert/tokenizer/BatchEncoding.java";
  /** {@code Arrays.fill(ids, padId)} or {@code fill(ids, tokenizer.padId())}: a whole array set to the pad id. */
  private static final Pattern PADDED_BATCH =
      Pattern.compile("\\bfill\\s*\\(\\s*[\\w.]+\\s*,\\s*[\\w.]*pad[Ii]d\\s*(\\(\\s*\\))?\\s*\\)");

  /** A training graph (BERT with dropout, the optimizer) is built by the trainer's one engine only. */
  @Test
  void shouldBuildEveryTrainingGraphThroughTheOneEngine() {
    Pattern optimizer = Pattern.compile("AdamWeightDecayOptimizer\\s*\\.\\s*build\\s*\\(");
    Pattern trainingEncoder = Pattern.compile("BertGraph\\s*\\.\\s*build\\s*\\([^;]*?,\\s*true\\s*[,)]",
        Pattern.DOTALL);
    List<String> problems = new ArrayList<>();
    for (Path file : javaFiles("trainer/src/main/java", "bench/src/main/java")) {
      String rel = ROOT.relativize(file).toString().replace('\\', '/');
      if (rel.startsWith(ENGINE) || rel.startsWith(OPTIM)) {
        continue;
      }
      String text = read(file);
      if (optimizer.matcher(text).find()) {
        problems.add(rel + " builds an optimizer: train through org.streambert.trainer.engine.TrainingSession");
      }
      if (trainingEncoder.matcher(text).find()) {
        problems.add(rel + " builds a training encoder: train through org.streambert.trainer.engine.TrainingSession");
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  /** The rule sees what it is meant to see (so an empty result above means something). */
  @Test
  void shouldFindTheEngineItself() {
    String engine = read(ROOT.resolve(ENGINE + "TrainingSession.java"));
    assertTrue(engine.contains("AdamWeightDecayOptimizer.build("), "the engine builds the optimizer");
    assertTrue(Pattern.compile("BertGraph\\s*\\.\\s*build\\s*\\([^;]*?,\\s*true\\s*[,)]", Pattern.DOTALL)
        .matcher(engine).find(), "the engine builds the training encoder");
  }

  /**
   * Padded id/mask/segment batches are built by the one input builder only (bert's {@code BatchEncoding}), so a model
   * reads in training what it reads when served. The marker: a whole id array filled with a pad id,
   * {@code Arrays.fill(ids, padId)}, which is how every padded [B, T] batch here starts.
   */
  @Test
  void shouldPadEveryInputBatchThroughTheOneInputBuilder() {
    List<String> problems = new ArrayList<>();
    for (Path file : javaFiles("bert/src/main/java", "trainer/src/main/java", "streams-app/src/main/java",
        "bench/src/main/java")) {
      String rel = ROOT.relativize(file).toString().replace('\\', '/');
      if (rel.equals(INPUT_BUILDER)) {
        continue;
      }
      if (PADDED_BATCH.matcher(read(file)).find()) {
        problems.add(rel + " pads an input batch: build it with org.streambert.bert.tokenizer.BatchEncoding");
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  /** The padding rule sees the builder itself. */
  @Test
  void shouldFindTheInputBuilderItself() {
    assertTrue(PADDED_BATCH.matcher(read(ROOT.resolve(INPUT_BUILDER))).find(), "the builder pads its batches");
  }

  static List<Path> javaFiles(String... dirs) {
    List<Path> out = new ArrayList<>();
    for (String d : dirs) {
      Path dir = ROOT.resolve(d);
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> s = Files.walk(dir)) {
        s.filter(p -> p.toString().endsWith(".java")).forEach(out::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
