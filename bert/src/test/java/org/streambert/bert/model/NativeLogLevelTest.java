package org.streambert.bert.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * TensorFlow's start-up INFO lines are gone at the default level and back with "info". Each case runs in a fresh JVM:
 * the level only counts before TensorFlow's natives load, which in this JVM may have happened already.
 */
class NativeLogLevelTest {

  private static final String NOTICE = "oneDNN custom operations are on";

  @TempDir
  Path dir;

  /** The child: sets the level, then loads TensorFlow and runs a tiny graph. */
  public static final class Child {
    public static void main(String[] args) {
      boolean applied = NativeLogLevel.apply(args[0]);
      try (Graph g = new Graph(); Session s = new Session(g)) {
        Ops tf = Ops.create(g);
        var product = tf.linalg.matMul(tf.constant(new float[][] {{1f, 2f}}), tf.constant(new float[][] {{3f}, {4f}}));
        try (var result = s.runner().fetch(product).run(); TFloat32 t = (TFloat32) result.get(0)) {
          System.out.println("applied=" + applied + " env=" + NativeLogLevel.current() + " result=" + t.getFloat(0, 0));
        }
      }
    }
  }

  private String runChild(String level) throws IOException, InterruptedException {
    Path out = dir.resolve(level + ".log");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), Child.class.getName(), level).redirectErrorStream(true)
        .redirectOutput(out.toFile());
    pb.environment().remove(NativeLogLevel.ENV);
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("child JVM did not finish");
    }
    String log = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), log);
    assertTrue(log.contains("result=11.0"), log);
    return log;
  }

  @Test
  void shouldHideTensorFlowStartupInfoLinesByDefaultAndShowThemOnInfo() throws Exception {
    String quiet = runChild("warning");
    assertTrue(quiet.contains("applied=true env=1"), quiet);
    assertFalse(quiet.contains(NOTICE), quiet);
    assertFalse(quiet.contains("cpu_feature_guard"), quiet);

    String loud = runChild("info");
    assertTrue(loud.contains("applied=true env=0"), loud);
    assertTrue(loud.contains(NOTICE), loud);
  }

  @Test
  void shouldRejectUnknownLevel() {
    assertThrows(IllegalArgumentException.class, () -> NativeLogLevel.apply("verbose"));
  }

  @Test
  void shouldNotChangeLevelOnceTensorFlowIsLoaded() {
    try (Graph g = new Graph()) {
      assertTrue(NativeLogLevel.tensorFlowLoaded());
      assertFalse(NativeLogLevel.apply("error") && System.getenv(NativeLogLevel.ENV) == null
          && !"2".equals(NativeLogLevel.current()), "no effect claimed after the natives loaded");
      List.of(g); // keep the graph used
    }
  }
}
