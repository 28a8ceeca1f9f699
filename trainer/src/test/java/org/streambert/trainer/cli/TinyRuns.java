package org.streambert.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.TrainerApp;
import org.streambert.trainer.data.DemoData;
import picocli.CommandLine;

/**
 * What the export and import tests share: the trainer's command line run in-process with its output captured, and a
 * tiny two-head model (L=2, H=32; a topic classifier and a news NER head) fine-tuned on demo data.
 */
final class TinyRuns {
  static final String CONFIG = "{\"vocab_size\": 10, \"hidden_size\": 32, \"num_hidden_layers\": 2, "
      + "\"num_attention_heads\": 2, \"intermediate_size\": 64, \"max_position_embeddings\": 64}";
  static final List<String> TEXTS = List.of("Stocks rallied as the central bank held rates in Frankfurt .",
      "The striker scored twice for Madrid on Sunday .", "A new chip from Intel doubles battery life .");

  /** A command's exit code, standard output and standard error. */
  record Run(int code, String out, String err) {}

  private TinyRuns() {}

  /** Runs one trainer command in this JVM; System.out is captured for its duration. */
  static Run run(String... args) {
    CommandLine cli = TrainerApp.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream previous = System.out;
    System.setOut(new PrintStream(out, true));
    try {
      return new Run(cli.execute(args), out.toString(), err.toString());
    } finally {
      System.setOut(previous);
    }
  }

  /**
   * Writes demo data to {@code data} and fine-tunes the tiny model ("news" version 1, 1 epoch, 2 golden examples)
   * into {@code run}; fails the test if the command fails.
   */
  static void fineTuneTiny(Path dir, Path data, Path run) throws Exception {
    DemoData.write(data, 160, 40, 1);
    Path config = dir.resolve("tiny.json");
    Files.writeString(config, CONFIG);
    Run r = run("fine-tune", "--bert-config", config.toString(),
        "--cls-train", data.resolve(DemoData.TOPICS_TRAIN).toString(),
        "--cls-dev", data.resolve(DemoData.TOPICS_DEV).toString(),
        "--ner-train", data.resolve(DemoData.NER_TRAIN).toString(),
        "--ner-dev", data.resolve(DemoData.NER_DEV).toString(), "--lr", "1e-3", "--batch-size", "16",
        "--epochs", "1", "--max-length", "32", "--golden", "2", "--out", run.toString(), "--model-name", "news",
        "--version", "1");
    assertEquals(ExitCodes.OK, r.code(), r.err());
  }
}
