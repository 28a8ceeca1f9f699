package org.streambert.trainer.qa;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.qa.QaHead;
import org.streambert.bert.qa.SquadMetrics;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.weights.GoogleCheckpoint;
import org.tensorflow.ndarray.Shape;

/**
 * What {@link SquadTrainer#run} produced.
 *
 * @param config        the encoder's config
 * @param weights       the fine-tuned encoder and span head ({@code cls/squad/output_weights|output_bias}), by name
 * @param losses        loss of every update ((start CE + end CE) / 2)
 * @param trainWindows  training windows the questions produced
 * @param score         EM/F1 on the evaluation questions, empty without any
 * @param predictions   best answer text by evaluation question id
 * @param seconds       wall time of training
 */
public record SquadTrainResult(BertConfig config, Map<String, float[]> weights, double[] losses, int trainWindows,
    Optional<SquadMetrics.Score> score, Map<String, String> predictions, double seconds) {

  /** The weights as a source, e.g. for {@code BertQa.create(config, result.asWeightSource(), tokenizer, options)}. */
  public WeightSource asWeightSource() {
    return WeightSource.ofArrays(weights);
  }

  /** Mean loss of the first {@code n} updates. */
  public double meanLossOfFirst(int n) {
    int k = Math.min(n, losses.length);
    double s = 0;
    for (int i = 0; i < k; i++) {
      s += losses[i];
    }
    return s / k;
  }

  /** Mean loss of the last {@code n} updates. */
  public double meanLossOfLast(int n) {
    int k = Math.min(n, losses.length);
    double s = 0;
    for (int i = losses.length - k; i < losses.length; i++) {
      s += losses[i];
    }
    return s / k;
  }

  /**
   * Writes a Google-style directory ({@code bert_config.json}, {@code bert_model.ckpt.*} with encoder and span head,
   * {@code vocab.txt} when {@code vocab} is given) that {@link GoogleCheckpoint#open} reads, so
   * {@code BertQa.create(ckpt.config(), ckpt, tokenizer, options)} serves it.
   */
  public void writeCheckpoint(Path dir, Vocab vocab) {
    try {
      Files.createDirectories(dir);
      config.write(dir.resolve(GoogleCheckpoint.CONFIG_FILE));
      Map<String, Shape> shapes = new LinkedHashMap<>(BertGraph.variableShapes(config, HeadsSpec.NONE));
      shapes.putAll(QaHead.variableShapes(config));
      GoogleCheckpoint.write(dir.resolve(GoogleCheckpoint.CHECKPOINT_PREFIX), weights, shapes);
      if (vocab != null) {
        Files.write(dir.resolve(GoogleCheckpoint.VOCAB_FILE), vocab.tokens(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the checkpoint to " + dir, e);
    }
  }
}
