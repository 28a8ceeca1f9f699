package org.streambert.trainer.train;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.trainer.data.LabelSets;
import org.streambert.trainer.data.LengthBucketBatcher;
import org.streambert.trainer.internals.ProgressReporter;

/**
 * Fine-tuning as the BERT paper does it, for classification, NER or both at once (multi-task: the heads share the
 * encoder; each epoch's batches of both tasks are shuffled together, each batch holding one task).
 *
 * <p>Per epoch: length-bucketed batches ({@link LengthBucketBatcher}, seed {@code seed + epoch}), one update per
 * batch, then evaluation of the weights on the dev data with dropout off. The epoch with the best dev score
 * ({@link EvalReport#score()}) is kept (early stopping); with {@code patience > 0} training stops after that many
 * epochs without improvement. Everything random derives from {@link TrainingConfig#seed()}.
 */
public final class FineTuning {

  private FineTuning() {}

  /**
   * Fine-tunes from {@code start} on {@code data}.
   *
   * @param log where progress and per-epoch metrics go (the progress bar goes to standard error when interactive)
   */
  public static TrainingResult run(StartingPoint start, TaskData data, TrainingConfig config, PrintStream log) {
    BertConfig cfg = start.config();
    if (config.maxLength() > cfg.maxPositionEmbeddings()) {
      throw new IllegalArgumentException("max length " + config.maxLength() + " exceeds the model's "
          + "max_position_embeddings " + cfg.maxPositionEmbeddings());
    }
    WordPieceTokenizer tokenizer = new WordPieceTokenizer(start.vocab(), start.lowerCase());
    int padId = tokenizer.padId();

    // Keep a parent bundle's head (and its label order) when the data's labels fit in it.
    List<String> classLabels = List.of();
    boolean freshClassHead = true;
    if (data.hasClassification()) {
      classLabels = data.classLabels();
      Optional<List<String>> parent = start.parentClassLabels();
      if (parent.isPresent() && parent.get().containsAll(classLabels)) {
        classLabels = parent.get();
        freshClassHead = false;
      }
    }
    List<String> nerLabels = List.of();
    boolean freshTokenHead = true;
    if (data.hasNer()) {
      nerLabels = data.nerLabels();
      Optional<List<String>> parent = start.parentTokenLabels();
      if (parent.isPresent() && parent.get().containsAll(nerLabels)) {
        nerLabels = parent.get();
        freshTokenHead = false;
      }
    }
    HeadsSpec heads = new HeadsSpec(classLabels.size(), false, nerLabels.size());

    List<Feature> classTrain = new ArrayList<>();
    List<Feature> classDev = new ArrayList<>();
    if (data.hasClassification()) {
      Map<String, Integer> index = LabelSets.index(classLabels);
      data.classTrain().forEach(e -> classTrain.add(Feature.classification(tokenizer, e, index, config.maxLength())));
      data.classDev().forEach(e -> classDev.add(Feature.classification(tokenizer, e, index, config.maxLength())));
    }
    List<Feature> nerTrain = new ArrayList<>();
    List<Feature> nerDev = new ArrayList<>();
    if (data.hasNer()) {
      Map<String, Integer> index = LabelSets.index(nerLabels);
      data.nerTrain().forEach(s -> nerTrain.add(Feature.ner(tokenizer, s, index, config.maxLength())));
      data.nerDev().forEach(s -> nerDev.add(Feature.ner(tokenizer, s, index, config.maxLength())));
    }

    List<List<List<Feature>>> epochs = new ArrayList<>();
    long totalSteps = 0;
    for (int epoch = 1; epoch <= config.epochs(); epoch++) {
      List<List<Feature>> batches = new ArrayList<>();
      long seed = config.seed() + epoch;
      batches.addAll(LengthBucketBatcher.batches(classTrain, Feature::length, config.batchSize(), seed));
      batches.addAll(LengthBucketBatcher.batches(nerTrain, Feature::length, config.batchSize(), seed + 7919));
      Collections.shuffle(batches, new Random(seed));
      epochs.add(batches);
      totalSteps += batches.size();
    }
    log.printf(Locale.ROOT, "fine-tuning %s: %d layers, H=%d; tasks:%s%s; %d steps (%d epochs x %d batches of <= %d)%n",
        start.description(), cfg.numHiddenLayers(), cfg.hiddenSize(),
        data.hasClassification() ? " classification " + classLabels : "",
        data.hasNer() ? " NER " + LabelSets.entityTypesOf(nerLabels) : "", totalSteps, config.epochs(),
        epochs.get(0).size(), config.batchSize());

    ClassificationHead classHead = classLabels.isEmpty() ? null
        : new ClassificationHead("classification", classLabels, false);
    TokenClassificationHead tokenHead = nerLabels.isEmpty() ? null
        : new TokenClassificationHead("ner", nerLabels);
    PredictorConfig servingConfig = PredictorConfig.builder().maxLength(config.maxLength()).build();
    WeightSource init = start.weights(freshClassHead, freshTokenHead, config.seed());
    List<TrainingResult.Epoch> history = new ArrayList<>();
    Map<String, float[]> bestWeights = null;
    EvalReport best = null;
    int bestEpoch = 0;
    long examples = 0;
    long trainNanos = 0;
    try (FineTuner tuner = FineTuner.create(cfg, heads, init, config.learningRate(), totalSteps,
        config.warmupProportion(), config.seed())) {
      long step = 0;
      for (int epoch = 1; epoch <= config.epochs(); epoch++) {
        List<List<Feature>> batches = epochs.get(epoch - 1);
        ProgressReporter progress = ProgressReporter.forConsole(
            "epoch " + epoch + "/" + config.epochs(), batches.size());
        double lossSum = 0;
        long epochExamples = 0;
        long t0 = System.nanoTime();
        for (int b = 0; b < batches.size(); b++) {
          double loss = tuner.train(batches.get(b), padId);
          if (!Double.isFinite(loss)) {
            throw new IllegalStateException("the loss diverged (" + loss + ") at step " + step
                + "; try a lower learning rate");
          }
          lossSum += loss;
          epochExamples += batches.get(b).size();
          step++;
          progress.update(b + 1, epochExamples, loss);
        }
        progress.finish();
        trainNanos += System.nanoTime() - t0;
        examples += epochExamples;
        Map<String, float[]> weights = tuner.weights();
        EvalReport report;
        // Dev figures of the model and of what the app would serve from it (BertPredictor, the bundle's settings).
        BertModel model = BertModel.create(cfg, heads, WeightSource.ofArrays(weights));
        try (BertPredictor served = BertPredictor.create(tokenizer, model, classHead, tokenHead, servingConfig)) {
          report = Evaluator.evaluateServed(served, model, padId, config.evalBatchSize(), data.classDev(), classDev,
              classLabels, nerDev, data.nerDev(), nerLabels);
        }
        double meanLoss = lossSum / batches.size();
        history.add(new TrainingResult.Epoch(epoch, meanLoss, report.metrics()));
        boolean improved = best == null || report.score() > best.score();
        log.printf(Locale.ROOT, "epoch %d: train loss %.4f, dev %s%s%n", epoch, meanLoss, format(report.metrics()),
            improved ? " (best so far)" : "");
        if (improved) {
          best = report;
          bestWeights = weights;
          bestEpoch = epoch;
        } else if (config.patience() > 0 && epoch - bestEpoch >= config.patience()) {
          log.printf(Locale.ROOT, "early stop: no better dev score for %d epoch(s)%n", config.patience());
          break;
        }
      }
    }
    double perSecond = trainNanos == 0 ? 0 : examples / (trainNanos / 1e9);
    return new TrainingResult(cfg, heads, classLabels, nerLabels, bestEpoch, best, bestWeights, history, perSecond);
  }

  private static String format(Map<String, Double> metrics) {
    StringBuilder s = new StringBuilder();
    metrics.forEach((k, v) -> s.append(s.length() == 0 ? "" : " ").append(k).append('=')
        .append(String.format(Locale.ROOT, "%.4f", v)));
    return s.toString();
  }
}
