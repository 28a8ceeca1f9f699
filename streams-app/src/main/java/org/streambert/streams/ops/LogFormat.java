package org.streambert.streams.ops;

/**
 * Puts the instance id into every log line of this process: slf4j-simple has no pattern layout or MDC, but its time
 * format is a {@link java.text.SimpleDateFormat} pattern, which may hold quoted text. Takes effect only before the
 * first logger is created (slf4j-simple reads its configuration once) and only when the user has not set
 * {@value #PROPERTY} themselves.
 */
public final class LogFormat {

  public static final String PROPERTY = "org.slf4j.simpleLogger.dateTimeFormat";
  private static final int MAX_ID_CHARS = 64;

  private LogFormat() {
  }

  /** Sets the time format to {@code HH:mm:ss.SSS [instanceId]} unless {@value #PROPERTY} is set already. */
  public static void nameInstance(String instanceId) {
    if (System.getProperty(PROPERTY) == null) {
      System.setProperty(PROPERTY, pattern(instanceId));
    }
  }

  /** The time pattern naming {@code instanceId}: control characters dropped, at most 64 characters, quotes escaped. */
  static String pattern(String instanceId) {
    String id = String.valueOf(instanceId).replaceAll("\\p{Cntrl}", "");
    if (id.length() > MAX_ID_CHARS) {
      id = id.substring(0, MAX_ID_CHARS);
    }
    return "HH:mm:ss.SSS '[" + id.replace("'", "''") + "]'";
  }
}
