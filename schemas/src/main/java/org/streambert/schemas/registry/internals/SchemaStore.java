package org.streambert.schemas.registry.internals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityResult;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.streambert.schemas.registry.CompatibilityLevel;
import org.streambert.schemas.registry.RegisteredSchema;
import org.streambert.schemas.registry.RestClientException;

/**
 * The in-memory registry state and its rules, shared by the {@code mock://} client and the embedded HTTP server so
 * that both apply one compatibility logic. Thread-safe (every method synchronizes on the store).
 *
 * <p>Confluent semantics kept here: schema ids are global and start at 1; a schema is identified by its parsed
 * {@link Schema#toString()} form, so registering an identical schema under any subject returns the existing id;
 * registering a schema already present in the subject returns its id without a compatibility check or new version.
 */
public final class SchemaStore {
  private final Map<Integer, Schema> schemasById = new HashMap<>();
  private final Map<String, Integer> idsByCanonical = new HashMap<>();
  /** subject → (version → id), versions ascending; insertion ordered by subject creation. */
  private final Map<String, TreeMap<Integer, Integer>> subjects = new LinkedHashMap<>();
  private final Map<String, CompatibilityLevel> subjectCompatibility = new HashMap<>();
  private CompatibilityLevel globalCompatibility = CompatibilityLevel.BACKWARD;
  private int nextId = 1;

  /** Registers {@code schema} under {@code subject} and returns its id (existing id if already known). */
  public synchronized int register(String subject, Schema schema) {
    String canonical = schema.toString();
    Integer knownId = idsByCanonical.get(canonical);
    TreeMap<Integer, Integer> versions = subjects.get(subject);
    if (knownId != null && versions != null && versions.containsValue(knownId)) {
      return knownId;
    }
    if (versions != null && !versions.isEmpty()) {
      List<String> problems = incompatibilities(subject, schema, versions, effectiveCompatibility(subject), true);
      if (!problems.isEmpty()) {
        throw new RestClientException("Schema being registered is incompatible with an earlier schema for subject \""
            + subject + "\", details: " + problems, 409, RestClientException.INCOMPATIBLE_SCHEMA);
      }
    }
    int id = knownId != null ? knownId : nextId++;
    if (knownId == null) {
      schemasById.put(id, schema);
      idsByCanonical.put(canonical, id);
    }
    TreeMap<Integer, Integer> target = subjects.computeIfAbsent(subject, s -> new TreeMap<>());
    target.put(target.isEmpty() ? 1 : target.lastKey() + 1, id);
    return id;
  }

  /** The version of {@code subject} holding {@code schema}; 40401 / 40403 if absent. */
  public synchronized RegisteredSchema lookup(String subject, Schema schema) {
    TreeMap<Integer, Integer> versions = requireSubject(subject);
    Integer id = idsByCanonical.get(schema.toString());
    if (id != null) {
      for (Map.Entry<Integer, Integer> e : versions.entrySet()) {
        if (e.getValue().equals(id)) {
          return new RegisteredSchema(subject, e.getKey(), id, schemasById.get(id));
        }
      }
    }
    throw new RestClientException("Schema not found", 404, RestClientException.SCHEMA_NOT_FOUND);
  }

  /** The schema with {@code id}; 40403 if unknown. */
  public synchronized Schema schemaById(int id) {
    Schema schema = schemasById.get(id);
    if (schema == null) {
      throw new RestClientException("Schema " + id + " not found", 404, RestClientException.SCHEMA_NOT_FOUND);
    }
    return schema;
  }

  /**
   * One version of a subject.
   *
   * @param version a positive version, or -1 for the latest
   */
  public synchronized RegisteredSchema version(String subject, int version) {
    TreeMap<Integer, Integer> versions = requireSubject(subject);
    int v = version == -1 ? versions.lastKey() : version;
    Integer id = versions.get(v);
    if (id == null) {
      throw new RestClientException("Version " + version + " not found.", 404, RestClientException.VERSION_NOT_FOUND);
    }
    return new RegisteredSchema(subject, v, id, schemasById.get(id));
  }

  /** The subject's versions, ascending; 40401 if unknown. */
  public synchronized List<Integer> versions(String subject) {
    return new ArrayList<>(requireSubject(subject).keySet());
  }

  /** All subjects, in creation order. */
  public synchronized List<String> subjects() {
    return new ArrayList<>(subjects.keySet());
  }

  /**
   * Incompatibilities of {@code schema} with {@code subject} under the subject's effective level; empty if compatible
   * (also when the subject does not exist yet, as Confluent answers for a first registration).
   *
   * @param version a version to check against only, or {@code null} or -1 ("latest") for the versions the level
   *     covers (the latest, or all for a transitive level) — the check a registration would make
   */
  public synchronized List<String> incompatibilities(String subject, Schema schema, Integer version) {
    TreeMap<Integer, Integer> versions = subjects.get(subject);
    if (versions == null || versions.isEmpty()) {
      if (version != null && version != -1) {
        requireSubject(subject);
      }
      return List.of();
    }
    CompatibilityLevel level = effectiveCompatibility(subject);
    if (version == null || version == -1) {
      return incompatibilities(subject, schema, versions, level, true);
    }
    RegisteredSchema against = version(subject, version);
    TreeMap<Integer, Integer> only = new TreeMap<>(Map.of(against.version(), against.id()));
    return incompatibilities(subject, schema, only, level, false);
  }

  private List<String> incompatibilities(String subject, Schema newer, TreeMap<Integer, Integer> versions,
      CompatibilityLevel level, boolean honourTransitivity) {
    List<String> problems = new ArrayList<>();
    if (level == CompatibilityLevel.NONE) {
      return problems;
    }
    Iterable<Integer> checked = level.transitive() || !honourTransitivity
        ? versions.descendingKeySet() : List.of(versions.lastKey());
    for (int v : checked) {
      Schema older = schemasById.get(versions.get(v));
      if (level.backward()) {
        describe(SchemaCompatibility.checkReaderWriterCompatibility(newer, older).getResult(),
            "new schema cannot read data written with version " + v + " of " + subject, problems);
      }
      if (level.forward()) {
        describe(SchemaCompatibility.checkReaderWriterCompatibility(older, newer).getResult(),
            "version " + v + " of " + subject + " cannot read data written with the new schema", problems);
      }
    }
    return problems;
  }

  private static void describe(SchemaCompatibilityResult result, String what, List<String> problems) {
    if (result.getCompatibility() != SchemaCompatibilityType.COMPATIBLE) {
      List<String> reasons = new ArrayList<>();
      for (SchemaCompatibility.Incompatibility i : result.getIncompatibilities()) {
        reasons.add(i.getType() + " at " + i.getLocation() + ": " + i.getMessage());
      }
      problems.add(what + " " + reasons);
    }
  }

  /** The global compatibility level (BACKWARD unless set). */
  public synchronized CompatibilityLevel globalCompatibility() {
    return globalCompatibility;
  }

  public synchronized void setGlobalCompatibility(CompatibilityLevel level) {
    globalCompatibility = level;
  }

  /** The subject-level compatibility, or {@code null} if the subject has none configured. */
  public synchronized CompatibilityLevel subjectCompatibility(String subject) {
    return subjectCompatibility.get(subject);
  }

  /** The level that applies to {@code subject}: its own, else the global one. */
  public synchronized CompatibilityLevel effectiveCompatibility(String subject) {
    return subjectCompatibility.getOrDefault(subject, globalCompatibility);
  }

  /** Sets the subject-level compatibility; {@code null} removes it and returns the removed level (or null). */
  public synchronized CompatibilityLevel setSubjectCompatibility(String subject, CompatibilityLevel level) {
    return level == null ? subjectCompatibility.remove(subject) : subjectCompatibility.put(subject, level);
  }

  private TreeMap<Integer, Integer> requireSubject(String subject) {
    TreeMap<Integer, Integer> versions = subjects.get(subject);
    if (versions == null || versions.isEmpty()) {
      throw new RestClientException("Subject '" + subject + "' not found.", 404, RestClientException.SUBJECT_NOT_FOUND);
    }
    return versions;
  }
}
