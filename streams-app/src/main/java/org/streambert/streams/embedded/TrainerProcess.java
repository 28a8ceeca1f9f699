package org.streambert.streams.embedded;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs the trainer as its own process, as a deployment runs it as a separate job: a child JVM from the trainer jar
 * built beside this program ({@code trainer/target/trainer.jar} next to {@code streams-app/target/}). Its output is
 * copied to ours with a {@code [trainer]} prefix.
 */
public final class TrainerProcess {

  /** Environment variable naming the trainer jar when it is not beside this program. */
  public static final String TRAINER_JAR_ENV = "NLP_TRAINER_JAR";
  /** The trainer's main class. */
  public static final String MAIN_CLASS = "org.streambert.trainer.TrainerApp";

  private final Path jar;
  private final PrintStream out;

  public TrainerProcess(Path jar, PrintStream out) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException("trainer jar not found at " + jar
          + ": build it with `mvn -B -q -Dmaven.test.skip=true -pl trainer -am package` or name it with "
          + "--trainer-jar / " + TRAINER_JAR_ENV);
    }
    this.jar = jar;
    this.out = out;
  }

  /** The jar to run: {@code explicit}, else {@code $NLP_TRAINER_JAR}, else the one built beside this program. */
  public static Path locate(Path explicit) {
    if (explicit != null) {
      return explicit;
    }
    String env = System.getenv(TRAINER_JAR_ENV);
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return besideThisProgram().orElse(Path.of("trainer", "target", "trainer.jar"));
  }

  /** {@code <repo>/trainer/target/trainer.jar} for a program running from {@code <repo>/streams-app/target/...}. */
  static Optional<Path> besideThisProgram() {
    try {
      Path self = Path.of(TrainerProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Path p = self; p != null; p = p.getParent()) {
        if (p.getFileName() != null && p.getFileName().toString().equals("streams-app")) {
          return Optional.of(p.resolveSibling("trainer").resolve("target").resolve("trainer.jar"));
        }
      }
      return Optional.empty();
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      return Optional.empty();
    }
  }

  /**
   * Runs {@code trainer <args>} to completion.
   *
   * @throws IllegalStateException naming the exit code when the trainer fails
   */
  public void run(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx3g");
    cmd.add("-cp");
    cmd.add(jar.toString());
    cmd.add(MAIN_CLASS);
    cmd.addAll(args);
    try {
      ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true);
      builder.environment().putIfAbsent("TF_CPP_MIN_LOG_LEVEL", "1"); // TensorFlow's native INFO lines
      Process p = builder.start();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (!line.isBlank() && !isTensorFlowChatter(line)) {
            out.println("[trainer] " + line);
          }
        }
      }
      int code = p.waitFor();
      if (code != 0) {
        throw new IllegalStateException("trainer " + args.get(0) + " exited with code " + code);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run the trainer from " + jar, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the trainer ran", e);
    }
  }

  /** TensorFlow's native start-up log lines say nothing a demo user needs. */
  private static boolean isTensorFlowChatter(String line) {
    return line.contains("tensorflow/") || line.startsWith("WARNING: All log messages before absl")
        || line.startsWith("To enable the following instructions") || line.contains("mlir_graph_optimization");
  }
}
