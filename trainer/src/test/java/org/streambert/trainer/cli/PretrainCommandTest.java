package org.streambert.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.weights.GoogleCheckpoint;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.TrainerApp;
import picocli.CommandLine;

/** {@code trainer pretrain} on a tiny generated corpus, then {@code fine-tune --pretrained} from its output. */
class PretrainCommandTest {
  private static final String[][] TOPICS = {
      {"cat", "dog", "bird", "fish", "eats", "sees", "rice", "bread", "milk"},
      {"king", "queen", "ship", "train", "rules", "sails", "gold", "crown", "ring"},
      {"car", "bus", "boy", "girl", "drives", "rides", "road", "map", "wheel"}};

  @TempDir
  Path dir;

  /** Documents of "the S V the O ." sentences, each document on one topic. */
  private static String corpus(int documents, long seed) {
    Random rnd = new Random(seed);
    StringBuilder s = new StringBuilder();
    for (int d = 0; d < documents; d++) {
      String[] t = TOPICS[d % TOPICS.length];
      for (int i = 0, n = 4 + rnd.nextInt(4); i < n; i++) {
        s.append("the ").append(t[rnd.nextInt(4)]).append(' ').append(t[4 + rnd.nextInt(2)]).append(" the ")
            .append(t[6 + rnd.nextInt(3)]).append(" .\n");
      }
      s.append('\n');
    }
    return s.toString();
  }

  private Path tinyConfig() throws Exception {
    Path cfg = dir.resolve("bert_config.json");
    new BertConfig(10, 32, 2, 2, 64, Activation.GELU_TANH, 0.0, 0.0, 64, 2, 0.02).write(cfg); // vocab from data
    return cfg;
  }

  @Test
  void shouldWriteACheckpointThatFineTuneStartsFrom() throws Exception {
    Path corpus = dir.resolve("corpus.txt");
    Files.writeString(corpus, corpus(40, 1));
    Path out = dir.resolve("pretrained");
    int code = TrainerApp.run("pretrain", "--bert-config", tinyConfig().toString(), "--input", corpus.toString(),
        "--out", out.toString(), "--steps", "30", "--batch-size", "8", "--lr", "1e-3", "--max-seq-length", "32",
        "--max-predictions", "5", "--dupe-factor", "1", "--whole-word-mask", "--eval-fraction", "0.2");
    assertEquals(ExitCodes.OK, code);
    for (String f : List.of(GoogleCheckpoint.CONFIG_FILE, GoogleCheckpoint.VOCAB_FILE, "pretrain-metrics.json")) {
      assertTrue(Files.exists(out.resolve(f)), f + " missing");
    }
    JsonNode metrics = new ObjectMapper().readTree(out.resolve("pretrain-metrics.json").toFile());
    assertEquals(30, metrics.get("steps").asInt());
    double mlm = metrics.get("mlmAccuracy").asDouble();
    double nsp = metrics.get("nspAccuracy").asDouble();
    assertTrue(mlm >= 0 && mlm <= 1 && nsp >= 0 && nsp <= 1, metrics.toString());

    Path train = dir.resolve("train.tsv");
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      String[] t = TOPICS[i % 2];
      rows.add("the " + t[i % 4] + " " + t[4] + " the " + t[6 + i % 3] + " .\t" + (i % 2 == 0 ? "animals" : "royals"));
    }
    Files.write(train, rows);
    Path run = dir.resolve("run");
    code = TrainerApp.run("fine-tune", "--pretrained", out.toString(), "--cls-train", train.toString(),
        "--dev-fraction", "0.25", "--epochs", "1", "--batch-size", "8", "--max-length", "16", "--lr", "1e-3",
        "--out", run.toString(), "--version", "v1");
    assertEquals(ExitCodes.OK, code);
    assertTrue(Files.exists(run.resolve("bundle")), "fine-tune from the pre-trained checkpoint wrote no bundle");
  }

  @Test
  void shouldRefuseARunWithoutAnyInput() throws Exception {
    int code = TrainerApp.run("pretrain", "--bert-config", tinyConfig().toString(), "--out",
        dir.resolve("x").toString());
    assertEquals(ExitCodes.BAD_INPUT, code);
  }

  @Test
  void shouldRefuseATextTopicWithoutBootstrapServersLikeDistill() throws Exception {
    CommandLine cli = TrainerApp.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute("pretrain", "--bert-config", tinyConfig().toString(), "--text-topic", "texts",
        "--input-format", "text", "--out", dir.resolve("x").toString());
    assertEquals(ExitCodes.BAD_INPUT, code, err.toString());
    assertTrue(err.toString().contains("--text-topic texts needs --bootstrap-servers"), err.toString());
  }

  @Test
  void shouldBeASubcommandOfTheTrainerNextToFineTuneSquad() {
    assertTrue(TrainerApp.commandLine().getSubcommands().keySet().containsAll(List.of("pretrain", "fine-tune-squad")));
  }

  @Test
  void shouldSplitATopicRecordIntoOneSentencePerLine() {
    assertEquals("First one.\nSecond one!\nThird\n", TextTopicSource.toDocument("First one. Second one!\nThird"));
  }
}
