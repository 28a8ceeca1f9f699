package org.streambert.schemas.registry.internals;

import java.util.List;
import java.util.Objects;
import org.apache.avro.Schema;
import org.streambert.schemas.registry.CompatibilityLevel;
import org.streambert.schemas.registry.RegisteredSchema;
import org.streambert.schemas.registry.SchemaRegistryClient;

/** A {@link SchemaRegistryClient} calling a {@link SchemaStore} directly (the {@code mock://} registries). */
public final class StoreClient implements SchemaRegistryClient {
  private final SchemaStore store;

  public StoreClient(SchemaStore store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  @Override
  public int register(String subject, Schema schema) {
    // Round-trip through the string form, as over HTTP, so that mock and server identify schemas alike.
    return store.register(subject, RegisteredSchema.parse(schema.toString()));
  }

  @Override
  public RegisteredSchema lookup(String subject, Schema schema) {
    return store.lookup(subject, schema);
  }

  @Override
  public Schema schemaById(int id) {
    return store.schemaById(id);
  }

  @Override
  public RegisteredSchema latest(String subject) {
    return store.version(subject, -1);
  }

  @Override
  public RegisteredSchema version(String subject, int version) {
    return store.version(subject, version);
  }

  @Override
  public List<Integer> versions(String subject) {
    return store.versions(subject);
  }

  @Override
  public List<String> subjects() {
    return store.subjects();
  }

  @Override
  public boolean isCompatible(String subject, Schema schema) {
    return store.incompatibilities(subject, schema, -1).isEmpty();
  }

  @Override
  public CompatibilityLevel globalCompatibility() {
    return store.globalCompatibility();
  }

  @Override
  public void setGlobalCompatibility(CompatibilityLevel level) {
    store.setGlobalCompatibility(Objects.requireNonNull(level, "level"));
  }

  @Override
  public CompatibilityLevel compatibility(String subject) {
    return store.effectiveCompatibility(subject);
  }

  @Override
  public void setCompatibility(String subject, CompatibilityLevel level) {
    store.setSubjectCompatibility(subject, Objects.requireNonNull(level, "level"));
  }
}
