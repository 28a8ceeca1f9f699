package org.streambert.streams.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
 * {@code embedded --keep-running}: after the demo the broker, registry and app stay up on the requested ports, the
 * printed produce/consume commands work against them, and stopping closes everything.
 */
class EmbeddedKeepRunningTest {

  @TempDir
  Path dir;

  @Test
  void shouldKeepTheStackUpOnFixedPortsUntilStopped() throws Exception {
    Path trainerJar = Path.of("..", "trainer", "target", "trainer.jar").toAbsolutePath().normalize();
    assumeTrue(Files.isRegularFile(trainerJar),
        "skipped: " + trainerJar + " is not built (run the whole reactor: mvn -B verify)");
    int kafkaPort = freePort();
    int httpPort = freePort();
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    AtomicInteger exit = new AtomicInteger(-1);
    EmbeddedCommand command;
    Thread runner;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      command = new EmbeddedCommand();
      runner = new Thread(() -> exit.set(new CommandLine(command).execute("--data-dir", dir.toString(),
          "--trainer-jar", trainerJar.toString(), "--train-examples", "200", "--epochs", "1", "--keep-running",
          "--kafka-port", "" + kafkaPort, "--http-port", "" + httpPort)), "embedded");
      runner.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
      while (!captured.toString(StandardCharsets.UTF_8).contains("the stack keeps running")) {
        assertTrue(runner.isAlive(), "the demo ended: " + captured);
        assertTrue(System.nanoTime() < deadline, "no keep-running banner: " + captured);
        Thread.sleep(200);
      }
    } finally {
      System.setOut(original);
    }
    String banner = captured.toString(StandardCharsets.UTF_8);
    assertTrue(banner.contains("Kafka bootstrap:  127.0.0.1:" + kafkaPort), banner);
    assertTrue(banner.contains("App HTTP:         http://127.0.0.1:" + httpPort), banner);
    Matcher registryUrl = Pattern.compile("Schema registry:  (http://\\S+)").matcher(banner);
    assertTrue(registryUrl.find(), banner);
    assertTrue(banner.contains("produce --bootstrap-server 127.0.0.1:" + kafkaPort), banner);
    assertTrue(banner.contains("kcat -L -b 127.0.0.1:" + kafkaPort), banner);
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
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ConsumeCommand consume = new ConsumeCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      new CommandLine(consume).execute("--bootstrap-server", bootstrap, "--property",
          "schema.registry.url=" + registryUrl.group(1), "--from-beginning", "--timeout-ms", "3000",
          "--format", "readable", "--property", "print.key=true");
      found = out.toString(StandardCharsets.UTF_8);
    }
    assertTrue(found.contains("keep-1\t[demo-nlp v2] "), found);

    assertTrue(command.stop(Duration.ofSeconds(90)), "the stack did not close");
    runner.join(10_000);
    assertEquals(0, exit.get());
    assertFalse(listening(kafkaPort), "the broker still listens");
    assertFalse(listening(httpPort), "the app still listens");
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
}
