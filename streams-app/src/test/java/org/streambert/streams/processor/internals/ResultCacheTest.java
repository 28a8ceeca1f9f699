package org.streambert.streams.processor.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.bert.inference.Prediction;
import org.streambert.schemas.avro.QaAnswer;
import org.streambert.streams.serving.ServingModel;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;

class ResultCacheTest {

  private final RuleForwardPass pass = RuleForwardPass.standard();
  private final ServingModel v1 = TestModels.serving("1", pass);
  private final ServingModel v2 = TestModels.serving("2", pass);

  private static PendingRecord record(String text, String question) {
    return new PendingRecord(new byte[0], new byte[0], "id", text, 0L, 0L, "t", 0, 0L, List.of(), question);
  }

  private static PendingRecord record(String text) {
    return record(text, null);
  }

  /** Runs a batch through the cache as BatchInferProcessor does; returns the completed batch. */
  private ResultCache.Completed run(ResultCache cache, ServingModel model, List<PendingRecord> records) {
    ResultCache.Lookup lookup = cache.lookup(model, records);
    ServingModel.Inference fresh = lookup.misses().isEmpty() ? null : model.predict(lookup.missTexts());
    List<QaAnswer> answers = new ArrayList<>();
    lookup.misses().forEach(r -> answers.add(r.question() == null ? null
        : new QaAnswer(r.question(), "answer to " + r.text(), 0, 1, 0.5f)));
    return lookup.complete(fresh, answers);
  }

  @Test
  void shouldReturnTheIdenticalResultForARepeatedTextWithoutRunningTheModel() {
    ResultCache cache = new ResultCache(100, 1 << 20);
    List<PendingRecord> batch = List.of(record("good day alice"), record("bad day"));
    ResultCache.Completed first = run(cache, v1, batch);
    int passes = pass.batchSizes.size();
    ResultCache.Completed second = run(cache, v1, List.of(record("bad day"), record("good day alice")));
    assertEquals(passes, pass.batchSizes.size(), "a fully cached batch ran the forward pass");
    assertEquals(2, second.hits());
    assertEquals(first.inference().predictions().get(0), second.inference().predictions().get(1));
    assertEquals(first.inference().predictions().get(1), second.inference().predictions().get(0));
    List<Prediction> uncached = v1.predict(List.of("bad day", "good day alice")).predictions();
    assertEquals(uncached, second.inference().predictions());
    assertEquals(2, cache.hits());
    assertEquals(2, cache.misses());
  }

  @Test
  void shouldRunATextThatRepeatsWithinOneBatchOnce() {
    ResultCache cache = new ResultCache(100, 1 << 20);
    ResultCache.Completed done = run(cache, v1,
        List.of(record("good alice"), record("bad"), record("good alice"), record("good alice")));
    assertEquals(List.of(2), pass.batchSizes, "one forward pass of the two distinct texts");
    assertEquals(done.inference().predictions().get(0), done.inference().predictions().get(3));
    assertEquals(4, done.inference().predictions().size());
    assertEquals(0, done.inference().tokenizeNanos()[2], "a repeat was not tokenized again");
    assertEquals(2, cache.entries());
  }

  @Test
  void shouldKeyByQuestionAndModelVersionAndClearWhenTheModelChanges() {
    ResultCache cache = new ResultCache(100, 1 << 20);
    run(cache, v1, List.of(record("good day", "who?"), record("good day", null)));
    ResultCache.Completed again = run(cache, v1, List.of(record("good day", "who?"), record("good day", "when?")));
    assertEquals(1, again.hits(), "another question is another key");
    assertEquals("answer to good day", again.answers().get(0).getText());
    assertEquals("when?", again.answers().get(1).getQuestion());
    assertEquals(3, cache.entries());

    ResultCache.Completed swapped = run(cache, v2, List.of(record("good day", "who?")));
    assertEquals(0, swapped.hits(), "a new model version must not see the old version's results");
    assertEquals(1, cache.entries(), "the swap cleared the old version's results");
    ResultCache.Completed late = run(cache, v1, List.of(record("bad")));
    assertEquals(0, late.hits());
  }

  @Test
  void shouldEvictTheLeastRecentlyUsedResultAtTheEntryBound() {
    ResultCache cache = new ResultCache(2, 1 << 20);
    run(cache, v1, List.of(record("a"), record("b")));
    run(cache, v1, List.of(record("a"))); // a is now the most recently used
    run(cache, v1, List.of(record("c"))); // evicts b
    assertEquals(2, cache.entries());
    assertEquals(1, cache.evictions());
    assertEquals(1, run(cache, v1, List.of(record("a"))).hits());
    assertEquals(0, run(cache, v1, List.of(record("b"))).hits());
  }

  @Test
  void shouldStayWithinTheByteBoundAndNotKeepAResultLargerThanAnEighthOfIt() {
    long bound = 8 * 1024;
    ResultCache cache = new ResultCache(1_000, bound);
    for (int i = 0; i < 200; i++) {
      run(cache, v1, List.of(record("good text number " + i)));
      assertTrue(cache.bytes() <= bound, cache.toString());
    }
    assertTrue(cache.entries() < 200 && cache.entries() > 5, cache.toString());
    int before = cache.entries();
    String huge = "good ".repeat((int) bound / 8);
    ResultCache.Completed big = run(cache, v1, List.of(record(huge)));
    assertEquals(0, big.hits());
    assertEquals(0, run(cache, v1, List.of(record(huge))).hits(), "an oversized result was cached");
    assertTrue(cache.entries() <= before);
  }

  @Test
  void shouldPassEverythingThroughWhenDisabledAndRejectNegativeBounds() {
    ResultCache cache = ResultCache.disabled();
    ResultCache.Completed first = run(cache, v1, List.of(record("good"), record("good")));
    assertEquals(0, first.hits());
    assertEquals(List.of(2), pass.batchSizes);
    assertEquals(0, cache.entries());
    assertNull(first.answers().get(0));
    assertEquals(2, first.inference().predictions().size());
    assertThrows(IllegalArgumentException.class, () -> new ResultCache(-1, 10));
    assertThrows(IllegalArgumentException.class, () -> new ResultCache(10, -1));
  }
}
