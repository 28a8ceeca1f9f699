package org.streambert.trainer.pretrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.EncoderOutput;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.weights.GoogleCheckpoint;

/**
 * A tiny model pre-trained on {@link TopicCorpus} once for the class (~15 s). NSP is learnt late (its training loss
 * stays near 0.66 for ~500 steps, then falls), hence 2000 steps; with fewer documents the model memorises pairs
 * instead, which the held-out evaluation exposes.
 */
class PretrainerTest {
  private static final int STEPS = 2000;
  private static PretrainResult result;

  @BeforeAll
  static void pretrain() {
    PretrainOptions o = PretrainOptions.builder(TopicCorpus.tinyConfig(), TopicCorpus.tokenizer(),
            TopicCorpus.documents(1200, 11))
        .data(PretrainingDataOptions.DEFAULTS.withMaxSeqLength(32).withMaxPredictionsPerSeq(5).withDupeFactor(2))
        .batchSize(32).numTrainSteps(STEPS).numWarmupSteps(150).learningRate(3e-3).evalFraction(0.1).seed(5)
        .progress(System.out)
        .build();
    result = Pretrainer.run(o);
  }

  @Test
  void shouldLowerTheMaskedLmLoss() {
    double first = result.meanMlmLossOfFirst(20);
    double last = result.meanMlmLossOfLast(20);
    assertTrue(last < 0.6 * first, "MLM loss " + first + " -> " + last);
  }

  @Test
  void shouldPredictMaskedTokensOfHeldOutDocumentsFarAboveChance() {
    PretrainEvaluation e = result.evaluation().orElseThrow();
    // Chance over the ~70-token vocabulary is ~1.4%; "the" alone is about a third of the tokens.
    assertTrue(e.mlmAccuracy() > 0.4, e.toString());
  }

  @Test
  void shouldPredictNextSentencesOfHeldOutDocumentsAboveChance() {
    PretrainEvaluation e = result.evaluation().orElseThrow();
    assertTrue(e.nspAccuracy() > 0.6, e.toString());
  }

  @Test
  void shouldWriteAnEncoderCheckpointThatAModelLoads(@TempDir Path dir) {
    result.writeCheckpoint(dir, TopicCorpus.vocab());
    int[] ids = {2, 5, 11, 20, 5, 40, 6, 3};
    int[] mask = {1, 1, 1, 1, 1, 1, 1, 1};
    try (GoogleCheckpoint ckpt = GoogleCheckpoint.open(dir);
        BertModel fromCheckpoint = BertModel.create(ckpt.config(), HeadsSpec.NONE, ckpt);
        BertModel fromResult = BertModel.create(result.config(), HeadsSpec.NONE, result.encoder())) {
      assertEquals(result.config(), ckpt.config());
      EncoderOutput a = fromCheckpoint.encode(1, ids.length, ids, mask, new int[ids.length]);
      EncoderOutput b = fromResult.encode(1, ids.length, ids, mask, new int[ids.length]);
      assertArrayEquals(b.pooled(), a.pooled());
    }
  }

  @Test
  void shouldExposeEveryEncoderWeightForFineTuning() {
    Map<String, ?> shapes = BertGraph.variableShapes(result.config(), HeadsSpec.NONE);
    assertEquals(shapes.keySet(), result.encoderWeights().keySet());
    assertTrue(result.headWeights().containsKey("cls/predictions/output_bias"));
    assertTrue(result.headWeights().containsKey("cls/seq_relationship/output_weights"));
  }
}
