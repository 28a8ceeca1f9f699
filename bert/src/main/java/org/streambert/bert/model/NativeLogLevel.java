package org.streambert.bert.model;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets TensorFlow's native log level for this process. TensorFlow's C++ runtime reads {@code TF_CPP_MIN_LOG_LEVEL}
 * from the C environment once, when its libraries load, and prints its start-up notices (CPU features, oneDNN) at
 * INFO before any Java code could intervene; {@code System.getenv} is a read-only copy, so this calls libc's
 * {@code setenv} (through JNA) while the natives are not loaded yet. An explicit {@code TF_CPP_MIN_LOG_LEVEL} in the
 * environment is left alone. One line TensorFlow prints through Abseil's logger at the first graph optimization
 * ("MLIR V1 optimization pass is not enabled") ignores this variable and still appears.
 */
public final class NativeLogLevel {

  private static final Logger LOG = LoggerFactory.getLogger(NativeLogLevel.class);
  public static final String ENV = "TF_CPP_MIN_LOG_LEVEL";
  private static final Map<String, String> LEVELS = Map.of("info", "0", "warning", "1", "error", "2");

  private NativeLogLevel() {
  }

  /**
   * Applies {@code level} (info, warning or error) unless the environment already names one or TensorFlow's
   * natives are loaded already.
   *
   * @return whether the level was set
   */
  public static boolean apply(String level) {
    String value = LEVELS.get(level.toLowerCase(Locale.ROOT));
    if (value == null) {
      throw new IllegalArgumentException("TensorFlow log level must be one of " + LEVELS.keySet() + ": " + level);
    }
    if (System.getenv(ENV) != null) {
      return false; // the user's explicit choice
    }
    if (tensorFlowLoaded()) {
      LOG.debug("TensorFlow's natives are loaded already; {} cannot change any more", ENV);
      return false;
    }
    try {
      int rc = NativeLibrary.getInstance("c").getFunction("setenv").invokeInt(new Object[] {ENV, value, 1});
      return rc == 0;
    } catch (LinkageError | RuntimeException e) {
      // No libc to call (another OS, a JNA that cannot load): TensorFlow keeps its own default.
      LOG.debug("cannot set {}: {}", ENV, e.toString());
      return false;
    }
  }

  /** Whether TensorFlow's framework library is mapped into this process (Linux; false where unknown). */
  static boolean tensorFlowLoaded() {
    try {
      return Files.readString(Path.of("/proc/self/maps")).contains("libtensorflow_framework");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The level the C environment of this process holds now (null if unset); for tests and diagnostics. */
  public static String current() {
    try {
      Pointer p = NativeLibrary.getInstance("c").getFunction("getenv").invokePointer(new Object[] {ENV});
      return p == null ? null : p.getString(0);
    } catch (LinkageError | RuntimeException e) {
      return null;
    }
  }
}
