package org.streambert.trainer.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.train.Feature;
import org.streambert.trainer.train.FineTuningGraph;
import org.streambert.trainer.train.StartingPoint;
import org.streambert.trainer.train.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trainer benchmark}: fine-tuning throughput (examples/s) at fixed batch size and sequence length. */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
    description = "Measures fine-tuning throughput: full training steps (forward, backward, AdamW update) of a "
        + "classification head on random token ids, for each --layers value; prints examples/s after warm-up steps.")
public final class BenchmarkCommand implements Callable<Integer> {

  @Option(names = "--pretrained", defaultValue = "uncased", paramLabel = "uncased|cased|multi-cased|DIR",
      description = "Default: ${DEFAULT-VALUE}.")
  String pretrained;

  @Option(names = "--layers", split = ",", paramLabel = "K", description = "Encoder depths to measure (truncation); "
      + "default: all layers, then 4.")
  List<Integer> layers = new ArrayList<>();

  @Option(names = "--batch-size", defaultValue = "8") int batchSize;

  @Option(names = "--seq-len", defaultValue = "128") int seqLen;

  @Option(names = "--steps", defaultValue = "20", description = "Timed steps. Default: ${DEFAULT-VALUE}.") int steps;

  @Option(names = "--warmup-steps", defaultValue = "3", description = "Untimed steps first. Default: "
      + "${DEFAULT-VALUE}.")
  int warmupSteps;

  @Override
  public Integer call() throws Exception {
    try (StartingPoint full = StartingPoint.pretrained(pretrained, null)) {
      List<Integer> depths = layers.isEmpty() ? List.of(full.config().numHiddenLayers(), 4) : layers;
      System.out.printf(Locale.ROOT, "fine-tuning throughput, %s, batch %d x %d tokens, %d timed steps after %d "
          + "warm-up, %d cores%n", full.description(), batchSize, seqLen, steps, warmupSteps,
          Runtime.getRuntime().availableProcessors());
      for (int depth : depths) {
        BertConfig cfg = full.config().truncated(depth);
        Random random = new Random(1);
        List<Feature> batch = new ArrayList<>();
        for (int i = 0; i < batchSize; i++) {
          int[] ids = new int[seqLen];
          for (int t = 0; t < seqLen; t++) {
            ids[t] = 1000 + random.nextInt(cfg.vocabSize() - 1000);
          }
          batch.add(new Feature(Task.CLASSIFICATION, ids, i % 2, null, null));
        }
        try (FineTuningGraph tuner = FineTuningGraph.create(cfg, HeadsSpec.classification(2), full.weights(true, true, 1),
            5e-5, warmupSteps + steps, 0.1, 1)) {
          for (int s = 0; s < warmupSteps; s++) {
            tuner.train(batch, 0);
          }
          long t0 = System.nanoTime();
          for (int s = 0; s < steps; s++) {
            tuner.train(batch, 0);
          }
          double seconds = (System.nanoTime() - t0) / 1e9;
          System.out.printf(Locale.ROOT, "L=%d: %.2f examples/s (%.0f ms/step)%n", depth,
              steps * batchSize / seconds, 1000 * seconds / steps);
        }
      }
    }
    return ExitCodes.OK;
  }
}
