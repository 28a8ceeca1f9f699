package org.streambert.streams.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.streams.cli.ConsumeCommand;
import org.streambert.streams.cli.ProduceCommand;
import picocli.CommandLine;

/**
 * The README's "run the main job" command and its learning-loop variant, end to end: real broker, registry, the
 * trainer jar as a child process. Needs trainer/target/trainer.jar, which the full reactor
 * build ({@code mvn -B verify}) packages before this module's tests run.
 */
class EmbeddedCommandTest {

  @TempDir
  Path dir;

  /**
   * The README's main command, with {@code --keep-running} on fixed ports (one demo run serves both checks): v1
   * published and served, v2 swapped in while texts flow; then the broker, registry and app stay up on the requested
   * ports, the printed produce/consume commands work against them, and stopping closes everything.
   */
  @Test
  void shouldTrainPublishServeAndHotSwapTheDemoModelThenKeepTheStackUpUntilStopped() throws Exception {
    Path trainerJar = trainerJar();
    int kafkaPort = freePort();
    int httpPort = freePort();
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    AtomicInteger exit = new AtomicInteger(-1);
    System.setOut(new PrintStream(new TeeStream(original, captured), true, StandardCharsets.UTF_8));
    EmbeddedCommand command = new EmbeddedCommand();
    Thread runner = new Thread(() -> exit.set(new CommandLine(command).execute("--data-dir", dir.toString(),
        "--trainer-jar", trainerJar.toString(), "--train-examples", "400", "--keep-running",
        "--kafka-port", "" + kafkaPort, "--http-port", "" + httpPort)), "embedded");
    boolean closed = false;
    try {
      try {
        runner.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (!captured.toString(StandardCharsets.UTF_8).contains("the stack keeps running")) {
          assertTrue(runner.isAlive(), "the demo ended: " + captured);
          assertTrue(System.nanoTime() < deadline, "no keep-running banner: " + captured);
          Thread.sleep(200);
        }
      } finally {
        System.setOut(original);
      }
      String out = captured.toString(StandardCharsets.UTF_8);
      assertTrue(out.contains("model demo-nlp v1 verified, loaded and serving on "), out);
      assertTrue(out.contains("model demo-nlp v2 verified, loaded and serving on "), out);
      // The demo publishes with --with-onnx: the default engine choice serves ONNX Runtime int8 unless its golden
      // check refuses it (then TensorFlow); either way the line names a real engine and precision.
      assertTrue(Pattern.compile("v1 verified, loaded and serving on (onnxruntime (int8|fp32)|tensorflow (bf16|fp32))")
          .matcher(out).find(), out);
      // Each sample text got a v1 result with a label and, where it names people, the person as an entity.
      for (String text : Demo.SAMPLE_TEXTS) {
        assertTrue(out.contains("[v1] \"" + text + "\""), "no v1 result for " + text);
      }
      assertTrue(Pattern.compile("\\[v1\\] \"Emma Clark announced[^\\n]*-> politics").matcher(out).find(), out);
      assertTrue(out.contains("PER \"Emma Clark\" [0,10)"), out);
      // After the swap, results carry v2; no v1 result follows the first v2 one.
      Matcher v2 = Pattern.compile("\\[v2\\] ").matcher(out);
      assertTrue(v2.find(), "no v2 output");
      assertTrue(!out.substring(v2.start()).contains("[v1] "), "a v1 result after the swap");

      // --keep-running: the banner names the requested ports and commands that work against them.
      assertTrue(out.contains("Kafka bootstrap:  127.0.0.1:" + kafkaPort), out);
      assertTrue(out.contains("App HTTP:         http://127.0.0.1:" + httpPort), out);
      Matcher registryUrl = Pattern.compile("Schema registry:  (http://\\S+)").matcher(out);
      assertTrue(registryUrl.find(), out);
      assertTrue(out.contains("produce --bootstrap-server 127.0.0.1:" + kafkaPort), out);
      assertTrue(out.contains("kcat -L -b 127.0.0.1:" + kafkaPort), out);
      String bootstrap = "127.0.0.1:" + kafkaPort;

      HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + httpPort + "/ready")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, ready.statusCode(), ready.body());

      ProduceCommand produce = new ProduceCommand(
          new StringReader("{\"id\": \"keep-1\", \"text\": \"Emma Clark visited Oslo on Friday.\"}\n"),
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      assertEquals(0, new CommandLine(produce).execute("--bootstrap-server", bootstrap, "--property",
          "schema.registry.url=" + registryUrl.group(1)));
      String found = "";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!found.contains("keep-1\t") && System.nanoTime() < deadline) {
        ByteArrayOutputStream consumed = new ByteArrayOutputStream();
        ConsumeCommand consume = new ConsumeCommand(new PrintStream(consumed, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        new CommandLine(consume).execute("--bootstrap-server", bootstrap, "--property",
            "schema.registry.url=" + registryUrl.group(1), "--from-beginning", "--timeout-ms", "3000",
            "--format", "readable", "--property", "print.key=true");
        found = consumed.toString(StandardCharsets.UTF_8);
      }
      assertTrue(found.contains("keep-1\t[demo-nlp v2] "), found);

      assertTrue(command.stop(Duration.ofSeconds(90)), "the stack did not close");
      closed = true;
    } finally {
      if (!closed) {
        command.stop(Duration.ofSeconds(90)); // a failed check must not leave the broker and app running
      }
    }
    runner.join(10_000);
    assertEquals(0, exit.get());
    assertFalse(listening(kafkaPort), "the broker still listens");
    assertFalse(listening(httpPort), "the app still listens");
  }

  @Test
  void shouldShowTheLearningLoopFromWeakV1ToPromotedCandidate() throws Exception {
    Path trainerJar = trainerJar();
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    int exit;
    try (PrintStream tee = new PrintStream(new TeeStream(original, captured), true, StandardCharsets.UTF_8)) {
      System.setOut(tee);
      exit = new CommandLine(new EmbeddedCommand()).execute("--data-dir", dir.toString(), "--trainer-jar",
          trainerJar.toString(), "--learning-loop");
    } finally {
      System.setOut(original);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertEquals(0, exit, out);
    assertTrue(out.contains("model demo-nlp v1 verified, loaded and serving"), out);
    Matcher answered = Pattern.compile("the simulated labeller answered (\\d+)").matcher(out);
    assertTrue(answered.find() && Integer.parseInt(answered.group(1)) >= 150, out);
    // The round beat the weak v1 on the held-out split, in both tasks.
    Matcher gate = Pattern.compile("gate: served_macro_f1: candidate ([0-9.]+) vs published ([0-9.]+)").matcher(out);
    assertTrue(gate.find(), out);
    assertTrue(Double.parseDouble(gate.group(1)) > Double.parseDouble(gate.group(2)) + 0.2, gate.group());
    Matcher candidate = Pattern.compile("==> candidate (r\\S+) loaded beside v1").matcher(out);
    assertTrue(candidate.find(), out);
    String version = candidate.group(1);
    assertTrue(out.contains("==> candidate " + version + " promoted by trainer serve"), out);
    // The loop ran on signed inputs: serve counted the signed shadow reports of a verified instance and refused no
    // example (the simulated labeller signs its answers with the demo's labeller key).
    assertTrue(Pattern.compile("shadow: \\d+ samples from 1 verified instance").matcher(out).find(), out);
    assertTrue(out.contains(", 0 refused {}"), out);
    for (String text : Demo.SAMPLE_TEXTS) {
      assertTrue(out.contains("[v1] \"" + text + "\""), "no v1 result for " + text);
      assertTrue(out.contains("[v" + version + "] \"" + text + "\""), "no result of the candidate for " + text);
    }
    assertTrue(!out.substring(out.indexOf("[v" + version + "] ")).contains("[v1] "), "a v1 result after the switch");
  }

  private static Path trainerJar() {
    Path jar = Path.of("..", "trainer", "target", "trainer.jar").toAbsolutePath().normalize();
    assumeTrue(Files.isRegularFile(jar), "skipped: " + jar + " is not built (run the whole reactor: mvn -B verify)");
    return jar;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException refused) {
      return false;
    }
  }

  /** Copies what the command prints to the console and into a buffer. */
  private static final class TeeStream extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    TeeStream(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
