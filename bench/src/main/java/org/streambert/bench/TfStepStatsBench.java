package org.streambert.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.Precision;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.weights.EasyBertArtifact;
import org.streambert.bert.weights.EasyBertWeights;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TInt32;

/**
 * Issue 32 §1: where a TensorFlow graph's time goes. Runs {@code Int8SchemeBench}'s model (the pretrained cased
 * BERT-base truncated to L layers, a random 9-label token head) on its WikiGold batches twice untraced, then once with
 * {@code RunOptions.FULL_TRACE}, and sums the step stats' op times (thread time: ops that run concurrently both
 * count) per op type and per layer-relative scope and op type.
 *
 * <p>Arguments: {@code WIKIGOLD_CONLL [layers=12] [batch=32] [batches=4] [precision=int8] [intraOpThreads=0]
 * [interOpThreads=0]} (0: TensorFlow's default, as the app loads it).
 */
public final class TfStepStatsBench {
  private TfStepStatsBench() {
  }

  public static void main(String[] args) throws Exception {
    Path conll = Path.of(args[0]);
    int layers = args.length > 1 ? Integer.parseInt(args[1]) : 12;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    int batches = args.length > 3 ? Integer.parseInt(args[3]) : 4;
    Precision precision = Precision.parse(args.length > 4 ? args[4] : "int8");
    int intra = args.length > 5 ? Integer.parseInt(args[5]) : 0;
    int inter = args.length > 6 ? Integer.parseInt(args[6]) : 0;
    System.out.printf(Locale.ROOT, "%s; load %s; L=%d, %d batches of %d, %s, intra %d inter %d%n",
        BenchSupport.cpu(), BenchSupport.loadAverage(), layers, batches, batch, precision, intra, inter);
    ConfigProto config = ConfigProto.newBuilder().setIntraOpParallelismThreads(intra)
        .setInterOpParallelismThreads(inter).build();
    HeadsSpec heads = HeadsSpec.tokenClassification(9);
    Map<String, Double> byType = new LinkedHashMap<>();
    Map<String, Double> byScope = new LinkedHashMap<>();
    long wall = 0;
    try (EasyBertWeights pretrained = EasyBertWeights.open(EasyBertArtifact.CASED); Graph g = new Graph()) {
      BertConfig cfg = pretrained.config().truncated(layers);
      List<int[][]> inputs = Int8SchemeBench.batches(Int8SchemeBench.sentences(conll),
          WordPieceTokenizer.fromVocabFile(pretrained.vocab(), false), batch, batches);
      BertGraph graph = switch (precision.resolve()) {
        case BF16 -> BertGraph.buildBf16Inference(Ops.create(g), cfg, heads);
        case INT8 -> BertGraph.buildInt8Inference(Ops.create(g), cfg, heads);
        default -> BertGraph.build(Ops.create(g), cfg, heads, false);
      };
      try (Session session = new Session(g, config)) {
        graph.initialize(session, pretrained.orElse(WeightSource.random(0.02, 7)));
        for (int rep = 0; rep < 3; rep++) {
          for (int[][] in : inputs) {
            Shape shape = Shape.of(in[3][0], in[3][1]);
            try (TInt32 ids = TInt32.tensorOf(shape, d -> d.copyFrom(DataBuffers.of(in[0], true, false)));
                TInt32 mask = TInt32.tensorOf(shape, d -> d.copyFrom(DataBuffers.of(in[1], true, false)));
                TInt32 seg = TInt32.tensorOf(shape, d -> d.copyFrom(DataBuffers.of(in[2], true, false)))) {
              Session.Runner runner = session.runner().feed(BertGraph.INPUT_IDS_NAME, ids)
                  .feed(BertGraph.INPUT_MASK_NAME, mask).feed(BertGraph.SEGMENT_IDS_NAME, seg)
                  .fetch(BertGraph.TOKEN_PROBS_NAME);
              if (rep < 2) {
                runner.run().close(); // warm-up
                continue;
              }
              runner.setOptions(RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build());
              long t = System.nanoTime();
              try (Result r = runner.runAndFetchMetadata()) {
                wall += System.nanoTime() - t;
                RunMetadata metadata = r.getMetadata().orElseThrow();
                for (DeviceStepStats device : metadata.getStepStats().getDevStatsList()) {
                  for (NodeExecStats node : device.getNodeStatsList()) {
                    String label = node.getTimelineLabel();
                    String type = label.contains(" = ")
                        ? label.substring(label.indexOf(" = ") + 3).replaceAll("\\(.*", "") : "?";
                    double micros = node.getOpEndRelMicros() - node.getOpStartRelMicros();
                    byType.merge(type, micros, Double::sum);
                    byScope.merge(scope(node.getNodeName()) + " " + type, micros, Double::sum);
                  }
                }
              }
            }
          }
        }
      }
      double total = byType.values().stream().mapToDouble(Double::doubleValue).sum();
      System.out.printf(Locale.ROOT, "traced run %.1f ms/batch wall, op times summed %.1f ms/batch%n",
          wall / 1e6 / inputs.size(), total / 1000 / inputs.size());
      print("by op type", byType, total, inputs.size());
      print("by scope (layers folded together) and op type", byScope, total, inputs.size());
      System.out.println("load at the end " + BenchSupport.loadAverage());
    }
  }

  /** The node's scope without its layer number and op name: {@code attention/self/query_key_value} and so on. */
  private static String scope(String node) {
    String n = node.replaceAll("layer_\\d+", "layer_N").replaceAll("^bert/encoder/layer_N/", "");
    int cut = n.lastIndexOf('/');
    return cut > 0 ? n.substring(0, cut) : n;
  }

  private static void print(String title, Map<String, Double> micros, double total, int batches) {
    System.out.println("== " + title);
    micros.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).limit(40)
        .forEach(e -> System.out.printf(Locale.ROOT, "%9.2f ms/batch %5.1f%%  %s%n", e.getValue() / 1000 / batches,
            100 * e.getValue() / total, e.getKey()));
  }
}
