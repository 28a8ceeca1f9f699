package org.streambert.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.AvroSerdeConfig;

/**
 * Compatibility levels as the registry applies them, exercised through the REST client against the embedded server.
 * Schemas: V1 {a}; ADD_DEFAULT {a, b=0}; ADD_REQUIRED {a, b}; ONLY_B_DEFAULT {b=0}.
 */
class CompatibilityLevelTest {
  private static final Schema V1 = SchemaBuilder.record("R").fields().requiredString("a").endRecord();
  private static final Schema ADD_DEFAULT = SchemaBuilder.record("R").fields().requiredString("a")
      .name("b").type().intType().intDefault(0).endRecord();
  private static final Schema ADD_REQUIRED = SchemaBuilder.record("R").fields().requiredString("a")
      .requiredInt("b").endRecord();
  private static final Schema ONLY_B_DEFAULT = SchemaBuilder.record("R").fields()
      .name("b").type().intType().intDefault(0).endRecord();

  private static EmbeddedSchemaRegistry registry;
  private static SchemaRegistryClient client;
  private static int subjects;

  @BeforeAll
  static void start() {
    registry = EmbeddedSchemaRegistry.start(0);
    client = new RestSchemaRegistryClient(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url()));
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  private static String subjectWith(CompatibilityLevel level, Schema... versions) {
    String subject = "compat-" + (++subjects);
    client.setCompatibility(subject, level);
    for (Schema v : versions) {
      client.register(subject, v);
    }
    return subject;
  }

  private static void assertRefused(String subject, Schema schema) {
    RestClientException e = assertThrows(RestClientException.class, () -> client.register(subject, schema));
    assertEquals(RestClientException.INCOMPATIBLE_SCHEMA, e.errorCode());
  }

  @Test
  void shouldDefaultToBackwardGlobally() {
    assertEquals(CompatibilityLevel.BACKWARD, client.globalCompatibility());
    assertEquals(CompatibilityLevel.BACKWARD, client.compatibility("never-configured"));
  }

  @Test
  void shouldAllowAnythingUnderNone() {
    String subject = subjectWith(CompatibilityLevel.NONE, V1);
    client.register(subject, ADD_REQUIRED);
    assertEquals(2, client.latest(subject).version());
  }

  @Test
  void shouldRefuseNewRequiredFieldUnderBackwardButAllowItUnderForward() {
    assertRefused(subjectWith(CompatibilityLevel.BACKWARD, V1), ADD_REQUIRED);
    client.register(subjectWith(CompatibilityLevel.FORWARD, V1), ADD_REQUIRED);
  }

  @Test
  void shouldRefuseRemovedRequiredFieldUnderForwardButAllowItUnderBackward() {
    Schema dropped = SchemaBuilder.record("R").fields().endRecord();
    assertRefused(subjectWith(CompatibilityLevel.FORWARD, V1), dropped);
    client.register(subjectWith(CompatibilityLevel.BACKWARD, V1), dropped);
  }

  @Test
  void shouldRequireBothDirectionsUnderFull() {
    String subject = subjectWith(CompatibilityLevel.FULL, V1);
    assertRefused(subject, ADD_REQUIRED);
    client.register(subject, ADD_DEFAULT);
  }

  @Test
  void shouldCheckOnlyLatestUnlessTransitive() {
    // {b} reads data of {a, b=0} (b present) but not of {a} (b missing, no default).
    Schema onlyRequiredB = SchemaBuilder.record("R").fields().requiredInt("b").endRecord();
    client.register(subjectWith(CompatibilityLevel.BACKWARD, V1, ADD_DEFAULT), onlyRequiredB);
    assertRefused(subjectWith(CompatibilityLevel.BACKWARD_TRANSITIVE, V1, ADD_DEFAULT), onlyRequiredB);
  }

  @Test
  void shouldReportCompatibilityWithoutRegistering() {
    String subject = subjectWith(CompatibilityLevel.BACKWARD, V1);
    assertTrue(client.isCompatible(subject, ADD_DEFAULT));
    assertFalse(client.isCompatible(subject, ADD_REQUIRED));
    assertEquals(1, client.versions(subject).size());
    assertTrue(client.isCompatible("no-such-subject-yet", ADD_REQUIRED));
    assertTrue(client.isCompatible(subject, ONLY_B_DEFAULT)); // drops a, b defaults: readable
  }

  @Test
  void shouldSetGlobalLevelAndKeepSubjectLevelOverride() {
    String subject = subjectWith(CompatibilityLevel.NONE, V1);
    try {
      client.setGlobalCompatibility(CompatibilityLevel.FULL);
      assertEquals(CompatibilityLevel.FULL, client.globalCompatibility());
      assertEquals(CompatibilityLevel.NONE, client.compatibility(subject));
      assertEquals(CompatibilityLevel.FULL, client.compatibility("other-subject"));
    } finally {
      client.setGlobalCompatibility(CompatibilityLevel.BACKWARD);
    }
  }
}
