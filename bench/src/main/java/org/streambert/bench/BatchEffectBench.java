package org.streambert.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Entity;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.model.Precision;
import org.streambert.bert.onnx.OnnxBundles;
import org.streambert.bert.onnx.OnnxPrecision;

/**
 * Issue 32 §1/§3 on a real fine-tuned NER bundle: the same WikiGold sentences through the served predictor alone and
 * in calls of 32, per engine and precision; prints how many texts got another entity list and the largest entity
 * score move. {@code BatchIndependenceTest} does the same on a tiny random model.
 *
 * <p>Arguments: {@code BUNDLE_DIR WIKIGOLD_CONLL [texts=256]
 * [engines=tensorflow:fp32,tensorflow:int8,onnxruntime:int8]}.
 */
public final class BatchEffectBench {
  private BatchEffectBench() {
  }

  public static void main(String[] args) throws Exception {
    ModelBundle bundle = ModelBundle.open(Path.of(args[0]));
    List<String> all = Int8SchemeBench.sentences(Path.of(args[1]));
    int n = Math.min(all.size(), args.length > 2 ? Integer.parseInt(args[2]) : 256);
    List<String> texts = all.subList(0, n);
    String engines = args.length > 3 ? args[3] : "tensorflow:fp32,tensorflow:int8,onnxruntime:int8";
    System.out.printf(Locale.ROOT, "%s; load %s; %s; %d WikiGold sentences alone and in calls of 32%n",
        BenchSupport.cpu(), BenchSupport.loadAverage(), args[0], n);
    PredictorConfig config = BertBundles.defaultPredictorConfig(bundle);
    for (String e : engines.split(",")) {
      String[] ep = e.split(":");
      try (BertPredictor p = ep[0].equals("onnxruntime")
          ? OnnxBundles.openPredictor(bundle, config, OnnxPrecision.parse(ep[1]), 2)
          : BertBundles.openPredictor(bundle, config, Precision.parse(ep[1]))) {
        List<Prediction> alone = new ArrayList<>();
        for (String t : texts) {
          alone.add(p.predict(List.of(t)).get(0));
        }
        List<Prediction> calls = new ArrayList<>();
        for (int from = 0; from < n; from += 32) {
          calls.addAll(p.predict(texts.subList(from, Math.min(n, from + 32))));
        }
        int differing = 0;
        int entities = 0;
        double worst = 0;
        for (int i = 0; i < n; i++) {
          List<Entity> a = alone.get(i).entities();
          List<Entity> b = calls.get(i).entities();
          entities += a.size();
          if (!spans(a).equals(spans(b))) {
            differing++;
            continue;
          }
          for (int k = 0; k < a.size(); k++) {
            worst = Math.max(worst, Math.abs(a.get(k).score() - b.get(k).score()));
          }
        }
        System.out.printf(Locale.ROOT, "%s %s: %d of %d texts with another entity list alone than in a call of 32 "
            + "(%d entities); largest entity score move %.2e; load %s%n", ep[0], ep[1], differing, n, entities, worst,
            BenchSupport.loadAverage());
      }
    }
  }

  private static List<String> spans(List<Entity> entities) {
    return entities.stream().map(x -> x.type() + ":" + x.start() + "-" + x.end()).toList();
  }
}
