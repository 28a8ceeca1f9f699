package org.streambert.bert.onnx.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.onnx.OnnxRuntimeForwardPass;

class CommandLineGuardTest {

  @TempDir
  Path dir;

  @Test
  void shouldMeasureTheCommandLineInBytes() throws Exception {
    Path cmdline = dir.resolve("cmdline");
    Files.write(cmdline, "java\0-cp\0a.jar\0Main\0".getBytes(StandardCharsets.US_ASCII));
    assertEquals(20, CommandLineGuard.length(cmdline));
    assertEquals(0, CommandLineGuard.length(dir.resolve("missing")));
  }

  /**
   * A child JVM started with a 5 KB command line (the test class path and padding) opens the ONNX Runtime engine:
   * without the guard ONNX Runtime 1.29.0 kills it with SIGSEGV (exit 139); with it the constructor throws and the
   * child reports that and exits normally.
   */
  @Test
  void shouldRefuseToStartOnnxRuntimeInsteadOfCrashingOnALongCommandLine() throws Exception {
    String padding = "x".repeat(5_000);
    Path log = dir.resolve("child.log");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dpadding=" + padding, "-cp", System.getProperty("java.class.path"), Child.class.getName())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child did not finish");
    String out = Files.readString(log);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("refused: ONNX Runtime is not started in this JVM: its command line is"), out);
  }

  /** Opens the engine on an empty model: the guard must refuse before ONNX Runtime sees anything. */
  public static final class Child {
    public static void main(String[] args) {
      try {
        new OnnxRuntimeForwardPass(new byte[0], new HeadsSpec(2, false, 0), 4, 1,
            new OnnxRuntimeForwardPass.Limits(10, 2, 8), Map.of());
        System.out.println("opened (unexpected)");
      } catch (IllegalStateException e) {
        System.out.println("refused: " + e.getMessage());
      } catch (IllegalArgumentException e) {
        System.out.println("not refused by the guard: " + e.getMessage());
      }
    }
  }
}
