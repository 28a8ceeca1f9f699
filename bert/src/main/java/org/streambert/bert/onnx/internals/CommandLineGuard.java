package org.streambert.bert.onnx.internals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * ONNX Runtime 1.29.0's Java binding kills the JVM with SIGSEGV (no {@code hs_err} file, no exception) when its
 * environment is created in a process whose command line ({@code /proc/self/cmdline}) is longer than about 3,960
 * bytes: measured here, 3,959 bytes worked and 3,989 crashed, every time, whatever made it long ({@code -cp} or
 * {@code -D} arguments; the environment's size does not matter). This check runs before ONNX Runtime is touched and
 * turns the crash into an exception the caller can handle (the streams app then serves on TensorFlow).
 */
public final class CommandLineGuard {

  /** Longest command line ONNX Runtime is started in: below the measured crash with a margin. */
  public static final int MAX_COMMAND_LINE_BYTES = 3_900;

  private CommandLineGuard() {
  }

  /**
   * Throws unless this process's command line is short enough for ONNX Runtime. A system without
   * {@code /proc/self/cmdline} passes (the crash was seen on Linux).
   *
   * @throws IllegalStateException naming the length and the way out
   */
  public static void check() {
    long length = length(Path.of("/proc/self/cmdline"));
    if (length > MAX_COMMAND_LINE_BYTES) {
      throw new IllegalStateException("ONNX Runtime is not started in this JVM: its command line is " + length
          + " bytes, and ONNX Runtime 1.29.0 crashes a JVM whose command line is longer than about 3,960 bytes "
          + "(limit here " + MAX_COMMAND_LINE_BYTES + "); start Java with a shorter command line (java -jar, or the "
          + "class path in the CLASSPATH environment variable instead of -cp)");
    }
  }

  /** Bytes of a cmdline file (at most 1 MiB are read); 0 when it cannot be read. */
  static long length(Path cmdline) {
    if (!Files.isReadable(cmdline)) {
      return 0;
    }
    try (InputStream in = Files.newInputStream(cmdline)) {
      return in.readNBytes(1 << 20).length;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
