package org.streambert.trainer.train;

import java.util.List;
import java.util.Map;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.HeadsSpec;

/**
 * The outcome of {@link FineTuningLoop#run}: the best epoch's weights and dev metrics, and every epoch's record.
 *
 * @param config the trained model's config (after layer truncation)
 * @param heads the heads' output sizes
 * @param classLabels class labels, empty without a classification head
 * @param nerLabels token labels, empty without a token head
 * @param bestEpoch 1-based epoch whose dev score was best (earliest on a tie)
 * @param best dev metrics of that epoch
 * @param weights that epoch's weights by Google checkpoint name
 * @param history one entry per epoch run
 * @param examplesPerSecond training throughput over all epochs (training steps only, evaluation excluded)
 */
public record TrainingResult(BertConfig config, HeadsSpec heads, List<String> classLabels, List<String> nerLabels,
    int bestEpoch, EvalReport best, Map<String, float[]> weights, List<Epoch> history, double examplesPerSecond) {

  /** One epoch: mean training loss and dev metrics. */
  public record Epoch(int epoch, double meanLoss, Map<String, Double> dev) {}
}
