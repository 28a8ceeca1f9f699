package org.streambert.trainer.train;

import java.util.ArrayList;
import java.util.List;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.DemoData;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.data.VocabBuilder;

/** The tiny model the trainer's learning tests use: L=2, H=32, random init, vocabulary of the demo data. */
final class TinyModels {

  static final int MAX_LENGTH = 32;

  private TinyModels() {}

  /** Vocabulary covering every word the demo generators can produce. */
  static Vocab demoVocab() {
    List<String> texts = new ArrayList<>();
    DemoData.classification(3000, 99).forEach(e -> texts.add(e.text()));
    DemoData.ner(3000, 99).forEach(s -> texts.add(String.join(" ", s.tokens())));
    return VocabBuilder.build(texts, false);
  }

  static BertConfig config(int vocabSize) {
    return new BertConfig(vocabSize, 32, 2, 2, 64, Activation.GELU_TANH, 0.1, 0.1, 64, 2, 0.02);
  }

  static StartingPoint start(long seed) {
    Vocab vocab = demoVocab();
    return StartingPoint.random(config(vocab.size()), vocab, false, seed);
  }

  static TrainingConfig training() {
    return TrainingConfig.DEFAULTS.withLearningRate(1e-3).withBatchSize(16).withEpochs(4).withMaxLength(MAX_LENGTH);
  }

  static List<ClassificationExample> topics(int n, long seed) {
    return DemoData.classification(n, seed);
  }

  static List<NerSentence> sentences(int n, long seed) {
    return DemoData.ner(n, seed);
  }
}
