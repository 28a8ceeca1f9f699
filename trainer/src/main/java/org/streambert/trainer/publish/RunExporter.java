package org.streambert.trainer.publish;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.bundle.TokenizerSettings;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.HeadSpec;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.Vocab;

/**
 * Writes a run directory: the bundle ({@link RunReport#BUNDLE_DIR}, bert module format) and its
 * {@link RunReport#FILE}, with golden examples computed by the written bundle's own predictor.
 */
public final class RunExporter {

  /** Default head names in model.json and the checkpoint event. */
  public static final String DEFAULT_CLASS_HEAD = "topic";
  public static final String DEFAULT_TOKEN_HEAD = "ner";

  /** Identity and lineage of the exported model. */
  public record Identity(String modelName, String version, String parentVersion, String dataFingerprint) {}

  private RunExporter() {}

  /**
   * @param weights every variable's value by Google name
   * @param classLabels class labels, empty for no classification head
   * @param tokenLabels token labels, empty for no token head
   * @param goldenTexts texts to compute golden examples for
   */
  public static RunReport export(Path runDir, Identity id, BertConfig config, Map<String, float[]> weights,
      Vocab vocab, boolean lowerCase, int maxLength, String classHead, List<String> classLabels, String tokenHead,
      List<String> tokenLabels, Map<String, Double> metrics, int bestEpoch, List<String> goldenTexts)
      throws IOException {
    return export(runDir, id, config, weights, vocab, lowerCase, maxLength, classHead, classLabels, false, tokenHead,
        tokenLabels, EmbeddingSpec.DEFAULT, metrics, bestEpoch, goldenTexts);
  }

  /**
   * {@link #export(Path, Identity, BertConfig, Map, Vocab, boolean, int, String, List, String, List, Map, int, List)}
   * with a multi-label classification head and the bundle's embedding ({@code model.json} {@code "embeddings"}).
   */
  public static RunReport export(Path runDir, Identity id, BertConfig config, Map<String, float[]> weights,
      Vocab vocab, boolean lowerCase, int maxLength, String classHead, List<String> classLabels, boolean multiLabel,
      String tokenHead, List<String> tokenLabels, EmbeddingSpec embeddings, Map<String, Double> metrics,
      int bestEpoch, List<String> goldenTexts) throws IOException {
    return export(runDir, id, config, weights, vocab.tokens(), null, lowerCase, maxLength, classHead, classLabels,
        multiLabel, tokenHead, tokenLabels, embeddings, metrics, bestEpoch, goldenTexts);
  }

  /**
   * The export for any tokenizer: {@code tokens} in id order become {@code vocab.txt}; {@code tokenizerJson}, a
   * Hugging Face {@code tokenizer.json} (RoBERTa's BPE, XLM-R's Unigram) or null for WordPiece, goes into the bundle
   * and is what the app tokenizes with.
   */
  public static RunReport export(Path runDir, Identity id, BertConfig config, Map<String, float[]> weights,
      List<String> tokens, byte[] tokenizerJson, boolean lowerCase, int maxLength, String classHead,
      List<String> classLabels, boolean multiLabel, String tokenHead, List<String> tokenLabels,
      EmbeddingSpec embeddings, Map<String, Double> metrics, int bestEpoch, List<String> goldenTexts)
      throws IOException {
    Path bundleDir = runDir.resolve(RunReport.BUNDLE_DIR);
    if (Files.exists(bundleDir)) {
      throw new IllegalArgumentException(bundleDir + " already exists; choose a new --out directory");
    }
    List<HeadSpec> heads = new ArrayList<>();
    List<RunReport.HeadLabels> headLabels = new ArrayList<>();
    if (!classLabels.isEmpty()) {
      heads.add(new ClassificationHead(classHead, classLabels, multiLabel));
      headLabels.add(new RunReport.HeadLabels(classHead, "CLASSIFICATION", classLabels));
    }
    if (!tokenLabels.isEmpty()) {
      heads.add(new TokenClassificationHead(tokenHead, tokenLabels));
      headLabels.add(new RunReport.HeadLabels(tokenHead, "TOKEN_CLASSIFICATION", tokenLabels));
    }
    Instant created = Instant.ofEpochMilli(System.currentTimeMillis());
    ModelDescriptor descriptor = new ModelDescriptor(id.modelName(), id.version(), created,
        BertBundles.bertConfigJson(config), new TokenizerSettings(lowerCase, maxLength), heads, embeddings);
    HeadsSpec spec = new HeadsSpec(classLabels.size(), multiLabel, tokenLabels.size());
    ModelBundle bundle;
    Files.createDirectories(runDir);
    try (BertModel model = BertModel.create(config, spec, WeightSource.ofArrays(weights))) {
      bundle = BertBundles.write(bundleDir, model, tokens, tokenizerJson, descriptor);
    }
    List<RunReport.Golden> golden = heads.isEmpty() ? List.of() : GoldenExamples.compute(bundle, goldenTexts);
    RunReport report = new RunReport(id.modelName(), id.version(), id.parentVersion(), id.dataFingerprint(),
        created.toEpochMilli(), metrics, headLabels, golden, bestEpoch,
        metrics.isEmpty() ? null : RunReport.LEGACY_ENGINE, Map.of());
    report.write(runDir);
    return report;
  }
}
