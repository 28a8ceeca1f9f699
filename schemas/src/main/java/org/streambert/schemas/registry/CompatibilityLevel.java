package org.streambert.schemas.registry;

import java.util.Locale;

/**
 * Schema Registry compatibility levels, with Confluent's names and meaning. "Newer" is the schema being registered,
 * "older" the versions already in the subject; "X reads Y" means Avro schema resolution succeeds with X as reader and
 * Y as writer (checked with {@link org.apache.avro.SchemaCompatibility}).
 */
public enum CompatibilityLevel {
  /** No check. */
  NONE(false, false, false),
  /** The newer schema reads data written with the latest version (consumers upgrade first). Registry default. */
  BACKWARD(true, false, false),
  /** The newer schema reads data written with every version. */
  BACKWARD_TRANSITIVE(true, false, true),
  /** The latest version reads data written with the newer schema (producers upgrade first). */
  FORWARD(false, true, false),
  /** Every version reads data written with the newer schema. */
  FORWARD_TRANSITIVE(false, true, true),
  /** BACKWARD and FORWARD against the latest version. */
  FULL(true, true, false),
  /** BACKWARD and FORWARD against every version. */
  FULL_TRANSITIVE(true, true, true);

  private final boolean backward;
  private final boolean forward;
  private final boolean transitive;

  CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
    this.backward = backward;
    this.forward = forward;
    this.transitive = transitive;
  }

  /** Whether the newer schema must read data written with older versions. */
  public boolean backward() {
    return backward;
  }

  /** Whether older versions must read data written with the newer schema. */
  public boolean forward() {
    return forward;
  }

  /** Whether the check covers every version rather than only the latest. */
  public boolean transitive() {
    return transitive;
  }

  /**
   * Parses a level name case-insensitively, as the registry's REST API accepts it.
   *
   * @throws IllegalArgumentException naming the valid levels if {@code name} is none of them
   */
  public static CompatibilityLevel parse(String name) {
    if (name != null) {
      for (CompatibilityLevel level : values()) {
        if (level.name().equals(name.trim().toUpperCase(Locale.ROOT))) {
          return level;
        }
      }
    }
    throw new IllegalArgumentException("Invalid compatibility level '" + name + "'. Valid values are none, backward,"
        + " backward_transitive, forward, forward_transitive, full and full_transitive");
  }
}
