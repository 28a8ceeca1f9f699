package org.streambert.trainer.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.DataFingerprint;
import org.streambert.trainer.data.LabelSets;
import org.streambert.trainer.data.NerSentence;

/**
 * Training and dev data of the tasks to fine-tune; a task whose training list is empty is not trained.
 *
 * @param classTrain classification training examples
 * @param classDev classification dev examples (early stopping, metrics)
 * @param nerTrain NER training sentences (IOB2)
 * @param nerDev NER dev sentences
 */
public record TaskData(List<ClassificationExample> classTrain, List<ClassificationExample> classDev,
    List<NerSentence> nerTrain, List<NerSentence> nerDev) {

  public TaskData {
    classTrain = List.copyOf(classTrain);
    classDev = List.copyOf(classDev);
    nerTrain = List.copyOf(nerTrain);
    nerDev = List.copyOf(nerDev);
    if (classTrain.isEmpty() && nerTrain.isEmpty()) {
      throw new IllegalArgumentException("no training data: give classification and/or NER training examples");
    }
    if (!classTrain.isEmpty() && classDev.isEmpty()) {
      throw new IllegalArgumentException("classification has training data but no dev data");
    }
    if (!nerTrain.isEmpty() && nerDev.isEmpty()) {
      throw new IllegalArgumentException("NER has training data but no dev data");
    }
  }

  /**
   * Splits dev sets off training lists that have none: a seeded shuffle, then the last {@code fraction} (at least one
   * example) becomes dev.
   */
  public static TaskData withDevSplit(List<ClassificationExample> classTrain, List<ClassificationExample> classDev,
      List<NerSentence> nerTrain, List<NerSentence> nerDev, double fraction, long seed) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("dev fraction must be in (0, 1), got " + fraction);
    }
    List<ClassificationExample> ct = classTrain;
    List<ClassificationExample> cd = classDev;
    if (!classTrain.isEmpty() && classDev.isEmpty()) {
      List<List<ClassificationExample>> parts = split(classTrain, fraction, seed);
      ct = parts.get(0);
      cd = parts.get(1);
    }
    List<NerSentence> nt = nerTrain;
    List<NerSentence> nd = nerDev;
    if (!nerTrain.isEmpty() && nerDev.isEmpty()) {
      List<List<NerSentence>> parts = split(nerTrain, fraction, seed);
      nt = parts.get(0);
      nd = parts.get(1);
    }
    return new TaskData(ct, cd, nt, nd);
  }

  private static <T> List<List<T>> split(List<T> all, double fraction, long seed) {
    if (all.size() < 2) {
      throw new IllegalArgumentException("cannot split a dev set off " + all.size() + " example(s)");
    }
    List<T> shuffled = new ArrayList<>(all);
    Collections.shuffle(shuffled, new Random(seed));
    int dev = Math.max(1, (int) Math.round(all.size() * fraction));
    return List.of(shuffled.subList(0, all.size() - dev), shuffled.subList(all.size() - dev, all.size()));
  }

  public boolean hasClassification() {
    return !classTrain.isEmpty();
  }

  public boolean hasNer() {
    return !nerTrain.isEmpty();
  }

  /** Sorted labels of the classification train and dev examples. */
  public List<String> classLabels() {
    List<String> all = new ArrayList<>();
    classTrain.forEach(e -> all.add(e.label()));
    classDev.forEach(e -> all.add(e.label()));
    return LabelSets.classLabels(all);
  }

  /** NER labels ({@link LabelSets#nerLabels}) of the entity types in train and dev. */
  public List<String> nerLabels() {
    TreeSet<String> types = new TreeSet<>();
    for (List<NerSentence> part : List.of(nerTrain, nerDev)) {
      for (NerSentence s : part) {
        for (String tag : s.tags()) {
          if (!tag.equals(LabelSets.OUTSIDE)) {
            types.add(tag.substring(2));
          }
        }
      }
    }
    return LabelSets.nerLabels(types);
  }

  /** SHA-256 of the training examples ({@link DataFingerprint}). */
  public String fingerprint() {
    return DataFingerprint.of(classTrain, nerTrain);
  }
}
