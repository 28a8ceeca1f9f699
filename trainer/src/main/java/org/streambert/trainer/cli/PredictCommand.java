package org.streambert.trainer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.BundleIO;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Entity;
import org.streambert.bert.inference.LabelScore;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.Precision;
import org.streambert.bert.onnx.OnnxBundles;
import org.streambert.bert.onnx.OnnxPrecision;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.publish.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code trainer predict}: what the streams app would serve for some texts, before any Kafka is wired. The model is a
 * bundle ({@code --bundle}, verified as the app verifies it) or a Hugging Face directory ({@code --hf}, imported as
 * {@code trainer import --hf} does, into a temporary bundle deleted afterwards); texts come one per line from
 * {@code --file} or standard input; each prints as one JSON line: the text, its label and every label's probability,
 * the labels that apply, and entities with code-point spans.
 */
@Command(name = "predict",
    description = "Prints what the app would serve for texts (one per line, from --file or standard input) as JSON "
        + "lines: label, probabilities, active labels, entities with code-point spans [start, end). The model: "
        + "--bundle DIR (a bundle or run directory) or --hf DIR (a Hugging Face model directory, imported on the fly).")
public final class PredictCommand implements Callable<Integer> {

  /** Most texts read (a larger file is refused before any prediction). */
  public static final int MAX_TEXTS = 100_000;
  /** Longest text line, in chars (longer texts are windowed by the predictor; this bounds memory). */
  public static final int MAX_TEXT_CHARS = 1 << 20;
  /** Texts predicted per call. */
  static final int CALL_SIZE = 32;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Mixin HelpOption help = new HelpOption();

  @Option(names = "--bundle", paramLabel = "DIR", description = "A bundle directory, or a run directory with bundle/.")
  Path bundle;

  @Option(names = "--hf", paramLabel = "DIR", description = "A Hugging Face model directory (as import --hf takes).")
  Path hf;

  @Option(names = "--file", paramLabel = "FILE", description = "Texts, one per line (default: standard input).")
  Path file;

  @Option(names = "--engine", defaultValue = "tensorflow", paramLabel = "tensorflow|onnxruntime",
      description = "The engine, as nlp.model.engine. Default: ${DEFAULT-VALUE}. ONNX Runtime on a bundle without "
          + "an ONNX file exports one first (into a temporary copy).")
  String engine;

  @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|bf16|int8",
      description = "fp32 (default), bf16 (TensorFlow) or int8 (either engine).")
  String precision;

  @Option(names = "--embedding", description = "Also print each text's embedding vector.") boolean embedding;

  @Override
  public Integer call() throws Exception {
    if ((bundle == null) == (hf == null)) {
      throw new IllegalArgumentException("give exactly one of --bundle, --hf");
    }
    boolean onnx = switch (engine.toLowerCase(Locale.ROOT)) {
      case "tensorflow" -> false;
      case "onnxruntime" -> true;
      default -> throw new IllegalArgumentException("--engine must be tensorflow or onnxruntime, not " + engine);
    };
    Precision tfPrecision = Precision.FP32;
    OnnxPrecision onnxPrecision = OnnxPrecision.FP32;
    if (onnx) {
      onnxPrecision = OnnxPrecision.parse(precision);
    } else {
      tfPrecision = Precision.parse(precision);
      if (tfPrecision == Precision.AUTO) {
        throw new IllegalArgumentException("--precision auto is for the app; give fp32 or bf16 here");
      }
    }
    List<String> texts = readTexts();
    Path scratch = Files.createTempDirectory("trainer-predict-");
    try {
      ModelBundle opened = hf != null ? importHuggingFace(scratch.resolve("run")) : ModelBundle.open(
          bundle.resolve(RunReport.BUNDLE_DIR).toFile().isDirectory() ? bundle.resolve(RunReport.BUNDLE_DIR) : bundle);
      if (onnx && !OnnxBundles.hasOnnx(opened)) {
        opened = OnnxBundles.writeWithOnnx(opened, scratch.resolve("with-onnx"));
      }
      PredictorConfig config = BertBundles.defaultPredictorConfig(opened);
      try (BertPredictor predictor = onnx ? OnnxBundles.openPredictor(opened, config, onnxPrecision, 0)
          : BertBundles.openPredictor(opened, config, tfPrecision)) {
        PrintStream out = System.out;
        for (int from = 0; from < texts.size(); from += CALL_SIZE) {
          List<String> call = texts.subList(from, Math.min(texts.size(), from + CALL_SIZE));
          List<Prediction> predictions = predictor.predict(call);
          for (int i = 0; i < call.size(); i++) {
            out.println(JSON.writeValueAsString(json(call.get(i), predictions.get(i), embedding)));
          }
        }
        out.flush();
      }
    } finally {
      BundleIO.deleteRecursively(scratch);
    }
    return ExitCodes.OK;
  }

  /** One JSON line: text, label, score, labels, active_labels, entities (type, start, end, text, score), windowed. */
  static ObjectNode json(String text, Prediction p, boolean withEmbedding) {
    ObjectNode o = JSON.createObjectNode();
    o.put("text", text);
    if (p.label() != null) {
      o.put("label", p.label().label());
      o.put("score", p.label().score());
      ArrayNode labels = o.putArray("labels");
      for (LabelScore s : p.labelScores()) {
        labels.addObject().put("label", s.label()).put("score", s.score());
      }
      ArrayNode active = o.putArray("active_labels");
      p.activeLabels().forEach(active::add);
    }
    ArrayNode entities = o.putArray("entities");
    for (Entity e : p.entities()) {
      entities.addObject().put("type", e.type()).put("start", e.start()).put("end", e.end()).put("text", e.text())
          .put("score", e.score());
    }
    o.put("windowed", p.windowed());
    if (withEmbedding) {
      ArrayNode v = o.putArray("embedding");
      for (float f : p.embedding()) {
        v.add(f);
      }
    }
    return o;
  }

  private ModelBundle importHuggingFace(Path run) throws Exception {
    ImportCommand importer = new ImportCommand();
    importer.hf = hf;
    importer.out = run;
    importer.name = "predict";
    importer.version = "hf";
    importer.classHead = org.streambert.trainer.publish.RunExporter.DEFAULT_CLASS_HEAD;
    importer.nerHead = org.streambert.trainer.publish.RunExporter.DEFAULT_TOKEN_HEAD;
    importer.seed = 42;
    PrintStream stdout = System.out;
    System.setOut(System.err); // the import's progress lines must not mix with the JSON lines
    try {
      int code = importer.call();
      if (code != ExitCodes.OK) {
        throw new IllegalStateException("importing " + hf + " failed with exit code " + code);
      }
    } finally {
      System.setOut(stdout);
    }
    return ModelBundle.open(run.resolve(RunReport.BUNDLE_DIR));
  }

  private List<String> readTexts() throws IOException {
    List<String> texts = new ArrayList<>();
    try (BufferedReader in = file != null ? Files.newBufferedReader(file, StandardCharsets.UTF_8)
        : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      char[] buf = new char[8192];
      StringBuilder line = new StringBuilder();
      int n;
      while ((n = in.read(buf)) >= 0) {
        for (int i = 0; i < n; i++) {
          char c = buf[i];
          if (c == '\n') {
            add(texts, line);
          } else if (line.length() >= MAX_TEXT_CHARS) {
            throw new IllegalArgumentException("text " + (texts.size() + 1) + " is longer than " + MAX_TEXT_CHARS
                + " characters");
          } else {
            line.append(c);
          }
        }
      }
      add(texts, line);
    }
    if (texts.isEmpty()) {
      throw new IllegalArgumentException("no texts (give them one per line on standard input or in --file)");
    }
    return texts;
  }

  private static void add(List<String> texts, StringBuilder line) {
    int end = line.length();
    if (end > 0 && line.charAt(end - 1) == '\r') {
      line.setLength(end - 1);
    }
    if (!line.toString().isBlank()) {
      if (texts.size() >= MAX_TEXTS) {
        throw new IllegalArgumentException("more than " + MAX_TEXTS + " texts; split the input");
      }
      texts.add(line.toString());
    }
    line.setLength(0);
  }
}
