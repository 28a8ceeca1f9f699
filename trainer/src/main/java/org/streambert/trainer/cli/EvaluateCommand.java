package org.streambert.trainer.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.heads.HeadSpec;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.Precision;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.ClassificationReader;
import org.streambert.trainer.data.ConllReader;
import org.streambert.trainer.data.LabelSets;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.data.TagScheme;
import org.streambert.trainer.train.EvalReport;
import org.streambert.trainer.train.Evaluator;
import org.streambert.trainer.train.Feature;
import org.streambert.trainer.train.ServedEvaluation;
import org.streambert.trainer.train.ServedText;
import org.streambert.trainer.train.TrainingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trainer evaluate}: metrics of a bundle on labelled data. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Evaluates a bundle on classification and/or NER data: accuracy, macro-F1 and confusion matrix; "
        + "entity precision/recall/F1 per type (conlleval); and the same for what the streams app serves from it "
        + "(BertPredictor's labels, and its entity spans against the gold spans of each sentence as tokenized text, "
        + "as detokenized raw text, and of each document as one raw text; see --ner-text). Prints tables; --json "
        + "writes the metrics as JSON.")
public final class EvaluateCommand implements Callable<Integer> {

  @Option(names = "--bundle", required = true, paramLabel = "DIR") Path bundleDir;

  @Option(names = "--cls-data", paramLabel = "FILE", description = "Classification data (TSV or JSONL).")
  Path clsData;

  @Option(names = "--ner-data", paramLabel = "FILE", description = "NER data (CoNLL).") Path nerData;

  @Option(names = "--ner-scheme", paramLabel = "SCHEME") TagScheme nerScheme;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the metrics as JSON.") Path json;

  @Option(names = "--ner-text", split = ",", paramLabel = "tokenized|raw|documents",
      defaultValue = "tokenized,raw,documents", converter = ServedTextConverter.class,
      description = "The texts the served NER evaluation sends: each sentence's tokens joined by spaces (tokenized), "
          + "each sentence detokenized as text is written (raw: no space before , . ; : ! ? %% ) 's n't, none after "
          + "( $), and each document (-DOCSTART- or blank-line runs) as one detokenized text (documents). "
          + "Default: ${DEFAULT-VALUE}; the first is the dev score's.")
  List<ServedText> nerTexts;

  @Option(names = "--ner-document-context", description = "Score the model (conlleval) with each sentence packed "
      + "with its document's neighbouring sentences, as fine-tune --ner-document-context trains it.")
  boolean documentContext;

  @Option(names = "--save-texts", paramLabel = "FILE", description = "Also write every served NER text as JSON lines "
      + "{\"as\", \"text\", \"gold\": [[type, start, end], ...]} (code points, end exclusive), e.g. to score "
      + "another system on the same texts.")
  Path saveTexts;

  @Option(names = "--batch-size", defaultValue = "" + TrainingConfig.DEFAULT_EVAL_BATCH_SIZE) int batchSize;

  @Option(names = "--engine", defaultValue = "tensorflow", paramLabel = "tensorflow|onnxruntime",
      description = "What computes the forward pass, as the streams app's nlp.model.engine: tensorflow (the bundle's "
          + "SavedModel, the reference) or onnxruntime (the bundle's onnx/model.onnx, which --with-onnx adds). Score "
          + "what serves: the app's auto serves onnxruntime int8 where the bundle has an ONNX file. "
          + "Default: ${DEFAULT-VALUE}.")
  String engine;

  @Option(names = "--precision", defaultValue = "fp32", paramLabel = "auto|fp32|bf16|int8|int8-per-tensor",
      description = "Arithmetic of the forward pass: on tensorflow as nlp.model.precision (fp32, the reference; bf16; "
          + "int8; auto: bf16 where the CPU has AMX/AVX512-BF16), on onnxruntime as nlp.model.onnxruntime.precision (fp32, "
          + "int8, int8-per-tensor). Default: ${DEFAULT-VALUE}.")
  String precision;

  @Override
  public Integer call() throws Exception {
    if (clsData == null && nerData == null) {
      throw new IllegalArgumentException("give --cls-data and/or --ner-data");
    }
    List<ClassificationExample> clsExamples = clsData == null ? null : ClassificationReader.read(clsData).examples();
    List<NerSentence> nerSentences = nerData == null ? null : ConllReader.read(nerData, nerScheme).sentences();
    ServedArithmetic arithmetic = ServedArithmetic.parse(engine, precision);
    System.out.println("engine: " + arithmetic);
    List<ServedText> texts = nerTexts == null || nerTexts.isEmpty() ? List.of(ServedText.TOKENIZED) : nerTexts;
    EvalReport report = evaluate(bundleDir, clsExamples, nerSentences, batchSize, arithmetic, documentContext,
        texts.get(0), java.util.EnumSet.copyOf(texts));
    if (saveTexts != null && nerSentences != null) {
      writeTexts(saveTexts, nerSentences, texts);
    }
    System.out.print(report.toTable());
    if (json != null) {
      Files.writeString(json, withEngine(report.toJson(), arithmetic));
    }
    return ExitCodes.OK;
  }

  /**
   * Metrics of a bundle on labelled examples ({@code trainer serve} scores the champion on its held-out split with
   * this).
   *
   * @param clsExamples classification examples, or null for none
   * @param nerSentences NER sentences, or null for none
   * @throws IllegalArgumentException when data is given for a head the bundle does not have
   */
  public static EvalReport evaluate(Path bundleDir, List<ClassificationExample> clsExamples,
      List<NerSentence> nerSentences, int batchSize) throws IOException {
    return evaluate(bundleDir, clsExamples, nerSentences, batchSize, Precision.FP32);
  }

  /** {@link #evaluate(Path, List, List, int)} with the forward pass at {@code precision}. */
  public static EvalReport evaluate(Path bundleDir, List<ClassificationExample> clsExamples,
      List<NerSentence> nerSentences, int batchSize, Precision precision) throws IOException {
    return evaluate(bundleDir, clsExamples, nerSentences, batchSize, precision, false, ServedText.TOKENIZED,
        Set.of(ServedText.TOKENIZED));
  }

  /**
   * {@link #evaluate(Path, List, List, int, Precision)} with NER served as each of {@code texts}, {@code primary}'s
   * figures being the dev score's, and the model scored with document context when asked.
   */
  public static EvalReport evaluate(Path bundleDir, List<ClassificationExample> clsExamples,
      List<NerSentence> nerSentences, int batchSize, Precision precision, boolean documentContext, ServedText primary,
      Set<ServedText> texts) throws IOException {
    return evaluate(bundleDir, clsExamples, nerSentences, batchSize, ServedArithmetic.tensorflow(precision),
        documentContext, primary, texts);
  }

  /**
   * The JSON report with {@code "engine"} (e.g. {@code "onnxruntime int8"}) added: every figure says what computed
   * it.
   */
  static String withEngine(String reportJson, ServedArithmetic arithmetic) throws IOException {
    com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode node =
        (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(reportJson);
    node.put("engine", arithmetic.toString());
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(node);
  }

  /**
   * {@link #evaluate(Path, List, List, int, Precision, boolean, ServedText, Set)} on the engine and precision of
   * {@code arithmetic}: the conlleval figures and the served ones both come from that forward pass.
   */
  public static EvalReport evaluate(Path bundleDir, List<ClassificationExample> clsExamples,
      List<NerSentence> nerSentences, int batchSize, ServedArithmetic arithmetic, boolean documentContext,
      ServedText primary, Set<ServedText> texts) throws IOException {
    ModelBundle bundle = ModelBundle.open(bundleDir);
    ModelDescriptor model = bundle.model();
    int maxLength = model.tokenizer().maxLength();
    WordPieceTokenizer tokenizer =
        WordPieceTokenizer.fromVocabFile(bundle.vocabFile(), model.tokenizer().doLowerCase());
    List<Feature> cls = new ArrayList<>();
    List<String> classLabels = List.of();
    if (clsExamples != null) {
      classLabels = model.classificationHead().map(HeadSpec::labels).orElseThrow(() ->
          new IllegalArgumentException("bundle " + model.name() + " has no classification head"));
      Map<String, Integer> index = LabelSets.index(classLabels);
      for (ClassificationExample e : clsExamples) {
        cls.add(Feature.classification(tokenizer, e, index, maxLength));
      }
    }
    List<Feature> ner = new ArrayList<>();
    List<NerSentence> sentences = List.of();
    List<String> nerLabels = List.of();
    if (nerSentences != null) {
      nerLabels = model.tokenClassificationHead().map(HeadSpec::labels).orElseThrow(() ->
          new IllegalArgumentException("bundle " + model.name() + " has no token classification head"));
      Map<String, Integer> index = LabelSets.index(nerLabels);
      sentences = nerSentences;
      for (NerSentence s : sentences) {
        ner.add(Feature.ner(tokenizer, s, index, maxLength, documentContext));
      }
    }
    // The bundle's SavedModel read both ways: per dataset word (conlleval), and through the predictor the app serves
    // it with (BertBundles.openPredictor's settings), whose forward pass this is.
    ForwardPass forward = arithmetic.open(bundle);
    BertPredictor served;
    try {
      served = BertBundles.openPredictor(bundle, tokenizer, b -> forward, BertBundles.defaultPredictorConfig(bundle));
    } catch (IOException | RuntimeException e) {
      forward.close(); // openPredictor owns the pass only once it has taken it; closing twice is harmless
      throw e;
    }
    try (served) {
      return Evaluator.evaluateServed(served, forward, tokenizer.padId(), batchSize,
          clsExamples == null ? List.of() : clsExamples, cls, classLabels, ner, sentences, nerLabels, primary, texts);
    }
  }

  private static void writeTexts(Path file, List<NerSentence> sentences, List<ServedText> kinds) throws IOException {
    com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    StringBuilder out = new StringBuilder();
    for (ServedText kind : kinds) {
      for (ServedEvaluation.GoldText t : ServedEvaluation.texts(sentences, kind)) {
        com.fasterxml.jackson.databind.node.ObjectNode line = mapper.createObjectNode();
        line.put("as", kind.label());
        line.put("text", t.text().text());
        com.fasterxml.jackson.databind.node.ArrayNode gold = line.putArray("gold");
        t.gold().forEach(e -> gold.addArray().add(e.type()).add(e.start()).add(e.end()));
        out.append(mapper.writeValueAsString(line)).append('\n');
      }
    }
    Files.writeString(file, out);
  }
}
