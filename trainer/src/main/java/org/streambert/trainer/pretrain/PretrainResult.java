package org.streambert.trainer.pretrain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.PretrainingHeads;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.weights.GoogleCheckpoint;
import org.tensorflow.ndarray.Shape;

/**
 * What {@link Pretrainer#run} produced.
 *
 * @param config         the encoder's config
 * @param encoderWeights the trained encoder and pooler (every {@link BertGraph} variable with
 *                       {@link HeadsSpec#NONE}), by Google checkpoint name: what fine-tuning starts from
 * @param headWeights    the trained {@code cls/predictions/...} and {@code cls/seq_relationship/...} weights
 * @param mlmLosses      masked LM loss of every update, in order
 * @param nspLosses      next-sentence loss of every update, in order
 * @param evaluation     held-out MLM/NSP metrics, empty when nothing was held out
 * @param trainInstances instances generated for training
 * @param seconds        wall time of training (not generation nor evaluation)
 */
public record PretrainResult(BertConfig config, Map<String, float[]> encoderWeights, Map<String, float[]> headWeights,
    double[] mlmLosses, double[] nspLosses, Optional<PretrainEvaluation> evaluation, int trainInstances,
    double seconds) {

  /** The encoder as a weight source, e.g. {@code result.encoder().orElse(WeightSource.random(...))} for fine-tuning. */
  public WeightSource encoder() {
    return WeightSource.ofArrays(encoderWeights);
  }

  /** Encoder and pre-training heads together, by name. */
  public Map<String, float[]> allWeights() {
    Map<String, float[]> all = new LinkedHashMap<>(encoderWeights);
    all.putAll(headWeights);
    return all;
  }

  /** Mean MLM loss of the first {@code n} updates. */
  public double meanMlmLossOfFirst(int n) {
    return mean(mlmLosses, 0, Math.min(n, mlmLosses.length));
  }

  /** Mean MLM loss of the last {@code n} updates. */
  public double meanMlmLossOfLast(int n) {
    return mean(mlmLosses, Math.max(0, mlmLosses.length - n), mlmLosses.length);
  }

  /**
   * Writes a Google-style release directory that {@link GoogleCheckpoint#open} reads (and fine-tuning can start
   * from): {@code bert_config.json}, {@code bert_model.ckpt.*} holding the encoder and the pre-training heads, and
   * {@code vocab.txt} when {@code vocab} is not null.
   */
  public void writeCheckpoint(Path dir, Vocab vocab) {
    try {
      Files.createDirectories(dir);
      config.write(dir.resolve(GoogleCheckpoint.CONFIG_FILE));
      Map<String, Shape> shapes = new LinkedHashMap<>(BertGraph.variableShapes(config, HeadsSpec.NONE));
      shapes.putAll(PretrainingHeads.variableShapes(config));
      GoogleCheckpoint.write(dir.resolve(GoogleCheckpoint.CHECKPOINT_PREFIX), allWeights(), shapes);
      if (vocab != null) {
        Files.write(dir.resolve(GoogleCheckpoint.VOCAB_FILE), vocab.tokens(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the checkpoint to " + dir, e);
    }
  }

  private static double mean(double[] v, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) {
      s += v[i];
    }
    return to > from ? s / (to - from) : Double.NaN;
  }

  @Override
  public String toString() {
    return "PretrainResult[steps=" + mlmLosses.length + ", trainInstances=" + trainInstances + ", evaluation="
        + evaluation.map(Object::toString).orElse("none") + ", seconds=" + seconds + ", weights="
        + List.copyOf(encoderWeights.keySet()).size() + "+" + headWeights.size() + "]";
  }
}
