package org.streambert.trainer.publish;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.streambert.schemas.avro.Entity;
import org.streambert.schemas.avro.GoldenExample;
import org.streambert.schemas.avro.Head;
import org.streambert.schemas.avro.HeadType;
import org.streambert.schemas.avro.LabelScore;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.trainer.internals.Json;

/**
 * What {@code fine-tune} (or {@code import}) leaves next to the bundle it exported, as {@value #FILE}: everything a
 * later {@code publish} needs besides the bundle itself (metrics, labels, lineage, golden examples).
 *
 * @param modelName model name (the checkpoint topic's key)
 * @param version the bundle's version
 * @param parentVersion the version fine-tuned from, null for a model started from pretrained or random weights
 * @param dataFingerprint SHA-256 of the training data, null for an import
 * @param createdAt when the bundle was written, epoch milliseconds
 * @param metrics dev metrics of the exported weights (empty for an import)
 * @param heads heads with their labels, in bundle order
 * @param goldenExamples texts and what the exported bundle predicts for them
 * @param bestEpoch the epoch exported (0 for an import)
 * @param devEngine the engine and precision {@code metrics} were measured on ({@code "onnxruntime int8"}); null in a
 *     report written before engines were named, whose figures are TensorFlow fp32
 * @param goldenTolerances per engine and precision the bundle can be served on, the golden score tolerance measured
 *     for it (see {@code GoldenExamples}); empty when not measured
 */
public record RunReport(String modelName, String version, String parentVersion, String dataFingerprint,
    long createdAt, Map<String, Double> metrics, List<HeadLabels> heads, List<Golden> goldenExamples, int bestEpoch,
    String devEngine, Map<String, Double> goldenTolerances) {

  /** File name of the report in a run directory. */
  public static final String FILE = "run.json";
  /** Directory name of the bundle in a run directory. */
  public static final String BUNDLE_DIR = "bundle";

  private static final ObjectMapper READER =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public RunReport {
    metrics = metrics == null ? Map.of() : new LinkedHashMap<>(metrics);
    heads = List.copyOf(heads);
    goldenExamples = goldenExamples == null ? List.of() : List.copyOf(goldenExamples);
    goldenTolerances = goldenTolerances == null ? Map.of() : new LinkedHashMap<>(goldenTolerances);
  }

  /** The engine the figures were measured on: {@link #devEngine}, or TensorFlow fp32 for an old report. */
  public String measuredOn() {
    return devEngine != null ? devEngine : LEGACY_ENGINE;
  }

  /** What figures were measured on before engines were named (reports and events without a dev engine). */
  public static final String LEGACY_ENGINE = "tensorflow fp32";

  /** This report with its metrics replaced by {@code newMetrics} measured on {@code engine}. */
  public RunReport withMetrics(Map<String, Double> newMetrics, String engine) {
    return new RunReport(modelName, version, parentVersion, dataFingerprint, createdAt, newMetrics, heads,
        goldenExamples, bestEpoch, engine, goldenTolerances);
  }

  /** This report with golden tolerances per engine. */
  public RunReport withGoldenTolerances(Map<String, Double> tolerances) {
    return new RunReport(modelName, version, parentVersion, dataFingerprint, createdAt, metrics, heads,
        goldenExamples, bestEpoch, devEngine, tolerances);
  }

  /** A head: {@code type} is {@code CLASSIFICATION} or {@code TOKEN_CLASSIFICATION}. */
  public record HeadLabels(String name, String type, List<String> labels) {}

  /** A golden example (see {@code GoldenExample} in the Avro contract). */
  public record Golden(String text, String expectedLabel, List<Score> expectedScores, List<Span> expectedEntities) {}

  public record Score(String label, float score) {}

  public record Span(String type, String text, int start, int end, float score) {}

  public void write(Path runDir) throws IOException {
    Files.createDirectories(runDir);
    Files.writeString(runDir.resolve(FILE), Json.pretty(this));
  }

  /** Reads {@code runDir/run.json}. */
  public static RunReport read(Path runDir) throws IOException {
    Path file = runDir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(runDir + " has no " + FILE + " (is it the --out directory of fine-tune?)");
    }
    try {
      return READER.readValue(file.toFile(), RunReport.class);
    } catch (IOException e) {
      throw new IllegalArgumentException(file + " is not a valid run report: " + e.getMessage(), e);
    }
  }

  /** The checkpoint event for this run's bundle stored at {@code bundleUri}. */
  public ModelCheckpoint toCheckpoint(String bundleUri, String manifestSha256) {
    return ModelCheckpoint.newBuilder()
        .setModelName(modelName)
        .setVersion(version)
        .setBundleUri(bundleUri)
        .setManifestSha256(manifestSha256)
        .setCreatedAt(Instant.ofEpochMilli(createdAt))
        .setParentVersion(parentVersion)
        .setHeads(heads.stream().map(h -> new Head(h.name(), HeadType.valueOf(h.type()), List.copyOf(h.labels())))
            .toList())
        .setMetrics(new LinkedHashMap<>(metrics))
        .setDataFingerprint(dataFingerprint)
        .setDevEngine(metrics.isEmpty() ? null : measuredOn())
        .setGoldenTolerances(goldenTolerances.isEmpty() ? null : new LinkedHashMap<>(goldenTolerances))
        .setGoldenExamples(goldenExamples.stream().map(g -> new GoldenExample(g.text(), g.expectedLabel(),
            g.expectedScores().stream().map(s -> new LabelScore(s.label(), s.score())).toList(),
            g.expectedEntities().stream().map(e -> new Entity(e.type(), e.text(), e.start(), e.end(), e.score()))
                .toList())).toList())
        .build();
  }
}
