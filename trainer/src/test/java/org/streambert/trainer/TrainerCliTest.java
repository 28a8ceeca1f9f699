package org.streambert.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.trainer.data.VocabBuilder;
import picocli.CommandLine;

/** The command line's surface: help, tokenize output, exit codes of bad input. */
class TrainerCliTest {

  @TempDir
  Path dir;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cli = TrainerApp.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void shouldListEverySubcommandInHelp() {
    Run r = run("--help");
    assertEquals(ExitCodes.OK, r.code());
    for (String sub : List.of("fine-tune", "distill", "evaluate", "publish", "import", "tokenize", "generate-demo-data",
        "benchmark")) {
      assertTrue(r.out().contains(sub), sub + " missing in\n" + r.out());
    }
    assertTrue(r.out().contains("3 promotion"), r.out());
  }

  @Test
  void shouldAnswerHelpOnEverySubcommandEvenWithRequiredOptions() {
    // picocli's own warnings (e.g. an unescaped % in a description) go to System.err, not the command's writer
    PrintStream systemErr = System.err;
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
    try {
      for (String sub : TrainerApp.commandLine().getSubcommands().keySet()) {
        if (sub.equals("help")) {
          continue; // picocli's own help command: "help --help" is not a thing
        }
        Run r = run(sub, "--help");
        assertEquals(ExitCodes.OK, r.code(), sub + " --help: " + r.err());
        assertTrue(r.out().startsWith("Usage: trainer " + sub), sub + " --help printed\n" + r.out() + r.err());
      }
    } finally {
      System.setErr(systemErr);
    }
    assertFalse(warnings.toString(StandardCharsets.UTF_8).contains("picocli WARN"),
        warnings.toString(StandardCharsets.UTF_8));
  }

  @Test
  void shouldPrintTokensIdsAndCodePointOffsetsAsJsonLines() throws Exception {
    Path vocab = dir.resolve("vocab.txt");
    Files.write(vocab, VocabBuilder.build(List.of("Bob visited São Paulo ."), false).tokens());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    java.io.PrintStream old = System.out;
    int code;
    try {
      System.setOut(new java.io.PrintStream(bytes, true, StandardCharsets.UTF_8));
      code = TrainerApp.run("tokenize", "--vocab", vocab.toString(), "\uD83D\uDE00 São Paulo.", "Bob");
    } finally {
      System.setOut(old);
    }
    assertEquals(ExitCodes.OK, code);
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(2, lines.size());
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertEquals("\uD83D\uDE00 São Paulo.", first.get("text").asText());
    // The emoji is not in the vocabulary: [UNK] spanning one code point; São starts at code point 2.
    assertEquals("[\"[CLS]\",\"[UNK]\",\"São\",\"Paulo\",\".\",\"[SEP]\"]", first.get("tokens").toString());
    assertEquals("[0,0,2,6,11,0]", first.get("starts").toString());
    assertEquals("[0,1,5,11,12,0]", first.get("ends").toString());
    assertEquals(6, first.get("ids").size());
    assertEquals("Bob", new ObjectMapper().readTree(lines.get(1)).get("tokens").get(1).asText());
  }

  @Test
  void shouldExitWithTwoAndNameFileAndLineForMalformedData() throws Exception {
    Path bad = dir.resolve("bad.tsv");
    Files.writeString(bad, "good text\tsports\nno tab here\n");
    Run r = run("fine-tune", "--bert-config", dir.resolve("unused.json").toString(), "--cls-train", bad.toString(),
        "--out", dir.resolve("out").toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertTrue(r.err().contains(bad + ":2"), r.err());
  }

  @Test
  void shouldExitWithTwoForAnUnknownOption() {
    assertEquals(ExitCodes.BAD_INPUT, run("fine-tune", "--no-such-option").code());
  }

  @Test
  void shouldExitWithTwoWhenTheRunDirectoryHasNoReport() {
    Run r = run("publish", "--run", dir.toString(), "--store", dir.resolve("store").toString(),
        "--bootstrap-servers", "127.0.0.1:1", "--schema-registry-url", "mock://x");
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertTrue(r.err().contains("run.json"), r.err());
  }
}
