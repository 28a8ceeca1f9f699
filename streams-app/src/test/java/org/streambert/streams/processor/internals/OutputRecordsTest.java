package org.streambert.streams.processor.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.inference.TextWindows;
import org.streambert.bert.qa.QaAnswer;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.streams.processor.internals.PendingBatches.Planned;
import org.streambert.streams.serving.ServingModel;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;

/** The batch step's parts that decide what is written and how much a batch may take. */
class OutputRecordsTest {

  private final ServingModel model = TestModels.serving("3", RuleForwardPass.standard());

  private Planned planned(String text, String question, int maxWindows) {
    PendingRecord record = new PendingRecord(new byte[] {1}, new byte[] {2}, "id-7", text, 5_000L, 6_000L, "in", 0, 9L,
        List.of(), question);
    TextWindows all = model.plan(text);
    TextWindows run = all.firstWindows(maxWindows);
    return new Planned(7, record, run, run != all, (long) run.windowCount() * model.sequenceLength());
  }

  @Test
  void shouldMapAResultToItsEnrichedTextWithTheWholeTextAndTheRunsFigures() {
    Planned p = planned("good day alice " + "hello ".repeat(40).trim(), "who?", 1);
    Prediction prediction = model.predictPlanned(List.of(p.windows())).predictions().get(0);
    RecordResult result = new RecordResult(prediction, 1, new QaAnswer("alice", 9, 14, 0.75, 2.0));
    EnrichedText out = new OutputRecords(EmbeddingsOutput.off()).enriched(model, p, result, 3_000, 40_000, 5_000);
    assertEquals("id-7", out.getId());
    assertEquals(p.record().text(), out.getText(), "the whole text, also when it ran truncated");
    assertTrue(out.getTruncated());
    assertEquals("3", out.getModelVersion());
    assertEquals(Instant.ofEpochMilli(5_000L), out.getEventTime());
    assertEquals("pos", out.getClassification().getLabel());
    assertEquals(2, out.getClassification().getScores().size());
    assertEquals(List.of("PER"), out.getEntities().stream().map(e -> e.getType().toString()).toList());
    assertEquals("who?", out.getAnswer().getQuestion().toString());
    assertEquals("alice", out.getAnswer().getText().toString());
    assertEquals(0.75f, out.getAnswer().getScore());
    assertNull(out.getEmbedding(), "embeddings are off");
    assertEquals(3, out.getTimings().getTokenizeMicros());
    assertEquals(40, out.getTimings().getInferMicros());
    assertTrue(out.getTimings().getPostProcessMicros() >= 5, "the predictor's share plus the mapping");
  }

  @Test
  void shouldWriteTheVectorAndAVectorOnlyRecordWhenEmbeddingsAreOn() {
    Planned p = planned("good day alice", null, 32);
    Prediction prediction = model.predictPlanned(List.of(p.windows())).predictions().get(0);
    EmbeddingsOutput embeddings = EmbeddingsOutput.on();
    EnrichedText out = new OutputRecords(embeddings).enriched(model, p, new RecordResult(prediction, 1, null), 0, 0,
        0);
    assertEquals(prediction.embedding().length, out.getEmbedding().size());
    assertEquals(prediction.embedding()[0], out.getEmbedding().get(0));
    assertNull(out.getAnswer());
    EnrichedText vector = embeddings.record(out);
    assertEquals(out.getEmbedding(), vector.getEmbedding());
    assertEquals(out.getModelVersion(), vector.getModelVersion());
    assertNull(vector.getClassification());
    assertTrue(vector.getEntities().isEmpty());
    assertNull(vector.getAnswer());
  }

  @Test
  void shouldSizeABatchToTheTimeLeftAtTheMeasuredSpeed() {
    TokenBudget budget = new TokenBudget(16_384);
    long now = 1_000_000_000L;
    assertEquals(16_384, budget.tokensFor(TokenBudget.NO_DEADLINE, now, 1_000), "no deadline: the token bound");
    assertEquals(16_384, budget.tokensFor(now + 1_000_000L, now, 0), "no speed measured yet: the token bound");
    assertEquals(1_000, budget.tokensFor(now + 1_000_000L, now, 1_000), "1 ms left at 1,000 ns per token");
    assertEquals(500, budget.tokensFor(now + 1_000_000L, now, 2_000));
    assertEquals(0, budget.tokensFor(now - 5, now, 1_000), "past the deadline");
    assertEquals(16_384, budget.tokensFor(now + 60_000_000_000L, now, 1_000), "never over the token bound");
    assertEquals(2_000_000L, TokenBudget.nanosFor(1_000, 2_000));
    assertThrows(IllegalArgumentException.class, () -> new TokenBudget(0));
    assertThrows(IllegalArgumentException.class, () -> new WindowPolicy(0, false));
  }
}
