package org.streambert.trainer.train;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.trainer.data.LabelSets;
import org.streambert.trainer.data.LengthBucketBatcher;
import org.streambert.trainer.internals.ProgressReporter;

/**
 * The fine-tuning loop (epochs, evaluation, early stopping) over {@link FineTuningGraph}, the graph, session and
 * optimizer it updates. Fine-tuning as the BERT paper does it, for classification, NER or both at once (multi-task:
 * the heads share the encoder; each epoch's batches of both tasks are shuffled together, each batch holding one task).
 *
 * <p>Per epoch: length-bucketed batches ({@link LengthBucketBatcher}, seed {@code seed + epoch}), one update per
 * batch, then evaluation of the weights on the dev data with dropout off. The epoch with the best dev score
 * ({@link EvalReport#score()}) is kept (early stopping); with {@code patience > 0} training stops after that many
 * epochs without improvement. Everything random derives from {@link TrainingConfig#seed()}.
 */
public final class FineTuningLoop {

  private FineTuningLoop() {}

  /**
   * Fine-tunes from {@code start} on {@code data}.
   *
   * @param log where progress and per-epoch metrics go (the progress bar goes to standard error when interactive)
   */
  public static TrainingResult run(StartingPoint start, TaskData data, TrainingConfig config, PrintStream log) {
    return train(start, data, config, log, null, List.of(), null, null).student();
  }

  /**
   * Distils {@code teacher} into the student {@code start} (Hinton et al. 2015): the same epochs, batches, optimizer
   * and dev selection as {@link #run}, with the student's heads and labels fixed to the teacher's and the loss of
   * {@link FineTuningGraph#createDistilling}. Trains on {@code data}'s labelled examples (soft targets + alpha · gold labels)
   * and on {@code unlabelled} texts (soft targets only); the teacher runs once over every training text before the
   * first epoch. The teacher is also evaluated on the same dev data, as the model and as served.
   *
   * @throws IllegalArgumentException when the student's vocabulary or casing differs from the teacher's, the student
   *     has more layers than the teacher, or a gold label is not one of the teacher's
   */
  public static DistillResult distill(StartingPoint start, Teacher teacher, TaskData data, List<String> unlabelled,
      TrainingConfig config, DistillConfig distill, PrintStream log) {
    if (!start.vocab().tokens().equals(teacher.vocab().tokens())) {
      throw new IllegalArgumentException("the student's vocabulary (" + start.vocab().size() + " entries, "
          + start.description() + ") differs from the teacher's (" + teacher.vocab().size() + "): a student reads "
          + "the teacher's word pieces");
    }
    if (start.lowerCase() != teacher.lowerCase()) {
      throw new IllegalArgumentException("the student lower-cases=" + start.lowerCase() + " but the teacher "
          + "lower-cases=" + teacher.lowerCase());
    }
    if (start.config().numHiddenLayers() > teacher.config().numHiddenLayers()) {
      throw new IllegalArgumentException("the student has " + start.config().numHiddenLayers()
          + " layers, more than the teacher's " + teacher.config().numHiddenLayers());
    }
    if (config.maxLength() > teacher.config().maxSequenceLength()) {
      throw new IllegalArgumentException("max length " + config.maxLength() + " exceeds the teacher's "
          + "positions " + teacher.config().maxSequenceLength());
    }
    return train(start, data, config, log, teacher, unlabelled, distill, new ArrayList<>());
  }

  private static DistillResult train(StartingPoint start, TaskData data, TrainingConfig config, PrintStream log,
      Teacher teacher, List<String> unlabelled, DistillConfig distill, List<Double> softLosses) {
    BertConfig cfg = start.config();
    if (config.maxLength() > cfg.maxSequenceLength()) {
      throw new IllegalArgumentException("max length " + config.maxLength() + " exceeds the model's "
          + "positions " + cfg.maxSequenceLength());
    }
    TextTokenizer tokenizer = start.tokenizer(); // WordPiece, or the model's BPE/Unigram tokenizer.json
    int padId = tokenizer.padId();

    // Keep a parent bundle's head (and its label order) when the data's labels fit in it.
    List<String> classLabels = List.of();
    boolean freshClassHead = true;
    List<String> nerLabels = List.of();
    boolean freshTokenHead = true;
    if (teacher != null) {
      // The student's heads are the teacher's: same labels in the same order; kept if the student already has them.
      classLabels = teacher.classLabels();
      nerLabels = teacher.tokenLabels();
      freshClassHead = !start.parentClassLabels().equals(Optional.of(classLabels));
      freshTokenHead = !start.parentTokenLabels().equals(Optional.of(nerLabels));
    } else if (data.hasClassification()) {
      classLabels = data.classLabels();
      Optional<List<String>> parent = start.parentClassLabels();
      if (parent.isPresent() && parent.get().containsAll(classLabels)) {
        classLabels = parent.get();
        freshClassHead = false;
      }
    }
    if (teacher == null && data.hasNer()) {
      nerLabels = data.nerLabels();
      Optional<List<String>> parent = start.parentTokenLabels();
      if (parent.isPresent() && parent.get().containsAll(nerLabels)) {
        nerLabels = parent.get();
        freshTokenHead = false;
      }
    }
    HeadsSpec heads = new HeadsSpec(classLabels.size(), false, nerLabels.size());
    if (data.hasClassification() && classLabels.isEmpty()) {
      throw new IllegalArgumentException("the teacher has no classification head for the classification data");
    }
    if (data.hasNer() && nerLabels.isEmpty()) {
      throw new IllegalArgumentException("the teacher has no token classification head for the NER data");
    }

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
      boolean context = config.documentContext();
      data.nerTrain().forEach(s -> nerTrain.add(Feature.ner(tokenizer, s, index, config.maxLength(), context)));
      data.nerDev().forEach(s -> nerDev.add(Feature.ner(tokenizer, s, index, config.maxLength(), context)));
    }

    List<Feature> unlabelledTrain = new ArrayList<>();
    unlabelled.forEach(text -> unlabelledTrain.add(Feature.unlabelled(tokenizer, text, config.maxLength())));
    Map<Feature, TeacherTargets> targets = new IdentityHashMap<>();
    EvalReport teacherReport = null;
    if (teacher != null) {
      long t0 = System.nanoTime();
      List<Feature> all = new ArrayList<>(classTrain);
      all.addAll(nerTrain);
      all.addAll(unlabelledTrain);
      TeacherRun.softTargets(teacher.forward(), all, padId, config.evalBatchSize(), distill.temperature(), targets);
      log.printf(Locale.ROOT, "teacher %s %s: soft targets (T=%s) for %d texts in %.1f s%n", teacher.model().name(),
          teacher.model().version(), distill.temperature(), all.size(), (System.nanoTime() - t0) / 1e9);
      teacherReport = Evaluator.evaluateServed(teacher.predictor(), teacher.forward(), padId, config.evalBatchSize(),
          data.classDev(), classDev, classLabels, nerDev, data.nerDev(), nerLabels, config.servedText(),
          java.util.EnumSet.of(ServedText.TOKENIZED, config.servedText()));
      log.printf(Locale.ROOT, "teacher dev %s%n", format(teacherReport.metrics()));
    }

    List<List<List<Feature>>> epochs = new ArrayList<>();
    long totalSteps = 0;
    for (int epoch = 1; epoch <= config.epochs(); epoch++) {
      List<List<Feature>> batches = new ArrayList<>();
      long seed = config.seed() + epoch;
      batches.addAll(LengthBucketBatcher.batches(classTrain, Feature::length, config.batchSize(), seed));
      batches.addAll(LengthBucketBatcher.batches(nerTrain, Feature::length, config.batchSize(), seed + 7919));
      batches.addAll(LengthBucketBatcher.batches(unlabelledTrain, Feature::length, config.batchSize(), seed + 104729));
      Collections.shuffle(batches, new Random(seed));
      epochs.add(batches);
      totalSteps += batches.size();
    }
    log.printf(Locale.ROOT, "%s %s: %d layers, H=%d; tasks:%s%s%s; %d steps (%d epochs x %d batches of <= %d)%n",
        teacher == null ? "fine-tuning" : "distilling into", start.description(), cfg.numHiddenLayers(),
        cfg.hiddenSize(), !classLabels.isEmpty() ? " classification " + classLabels : "",
        !nerLabels.isEmpty() ? " NER " + LabelSets.entityTypesOf(nerLabels)
            + (config.documentContext() ? " with document context" : "")
            + (config.servedText() != ServedText.TOKENIZED ? ", dev score on served " + config.servedText().label()
                + " text" : "") : "",
        unlabelledTrain.isEmpty() ? "" : " (+" + unlabelledTrain.size() + " unlabelled texts)", totalSteps,
        config.epochs(),
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
    try (FineTuningGraph tuner = teacher == null
        ? FineTuningGraph.create(cfg, heads, init, config.learningRate(), totalSteps, config.warmupProportion(),
            config.seed())
        : FineTuningGraph.createDistilling(cfg, heads, init, config.learningRate(), totalSteps, config.warmupProportion(),
            config.seed(), distill)) {
      long step = 0;
      for (int epoch = 1; epoch <= config.epochs(); epoch++) {
        List<List<Feature>> batches = epochs.get(epoch - 1);
        ProgressReporter progress = ProgressReporter.forConsole(
            "epoch " + epoch + "/" + config.epochs(), batches.size());
        double lossSum = 0;
        double softSum = 0;
        long epochExamples = 0;
        long t0 = System.nanoTime();
        for (int b = 0; b < batches.size(); b++) {
          double loss;
          if (teacher == null) {
            loss = tuner.train(batches.get(b), padId);
          } else {
            FineTuningGraph.StepLoss losses = tuner.distill(batches.get(b), padId, targets);
            loss = losses.total();
            softSum += losses.soft();
          }
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
              classLabels, nerDev, data.nerDev(), nerLabels, config.servedText(),
              java.util.EnumSet.of(ServedText.TOKENIZED, config.servedText()));
        }
        double meanLoss = lossSum / batches.size();
        history.add(new TrainingResult.Epoch(epoch, meanLoss, report.metrics()));
        boolean improved = best == null || report.score() > best.score();
        String soft = "";
        if (teacher != null) {
          softLosses.add(softSum / batches.size());
          soft = String.format(Locale.ROOT, " (soft-target %.4f)", softSum / batches.size());
        }
        log.printf(Locale.ROOT, "epoch %d: train loss %.4f%s, dev %s%s%n", epoch, meanLoss, soft,
            format(report.metrics()), improved ? " (best so far)" : "");
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
    TrainingResult student = new TrainingResult(cfg, heads, classLabels, nerLabels, bestEpoch, best, bestWeights,
        history, perSecond);
    return new DistillResult(student, teacherReport, softLosses == null ? List.of() : List.copyOf(softLosses));
  }

  private static String format(Map<String, Double> metrics) {
    StringBuilder s = new StringBuilder();
    metrics.forEach((k, v) -> s.append(s.length() == 0 ? "" : " ").append(k).append('=')
        .append(String.format(Locale.ROOT, "%.4f", v)));
    return s.toString();
  }
}
