package org.streambert.streams.processor.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.inference.Predictions;
import org.streambert.bert.inference.TextWindows;
import org.streambert.bert.qa.QaAnswer;
import org.streambert.streams.processor.internals.ResultCache.Query;
import org.streambert.streams.serving.ServingModel;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;

class ResultCacheTest {

  private final RuleForwardPass pass = RuleForwardPass.standard();
  private final ServingModel v1 = TestModels.serving("1", pass);
  private final ServingModel v2 = TestModels.serving("2", pass);

  private static Query query(String text, String question) {
    return new Query(text, question);
  }

  private static Query query(String text) {
    return query(text, null);
  }

  /** A batch's results and how many of its records the cache answered. */
  private record Done(List<RecordResult> results, int hits, int misses) {
    List<Prediction> predictions() {
      return results.stream().map(RecordResult::prediction).toList();
    }
  }

  /**
   * Runs a batch through the cache as the batch step does: the model runs the misses, a stand-in QA model answers
   * "answer to TEXT (QUESTION)".
   */
  private Done run(ResultCache cache, ServingModel model, List<Query> queries) {
    long hitsBefore = cache.hits();
    ResultCache.Lookup lookup = cache.lookup(model, queries);
    List<Query> missed = lookup.misses().stream().map(queries::get).toList();
    List<RecordResult> fresh = new ArrayList<>();
    if (!missed.isEmpty()) {
      List<TextWindows> plans = missed.stream().map(q -> model.plan(q.text())).toList();
      Predictions predictions = model.predictPlanned(plans);
      for (int k = 0; k < missed.size(); k++) {
        Query q = missed.get(k);
        fresh.add(new RecordResult(predictions.predictions().get(k), plans.get(k).windowCount(),
            q.question() == null ? null : new QaAnswer("answer to " + q.text() + " (" + q.question() + ")", 0, 1,
                0.5, 1.0)));
      }
    }
    return new Done(lookup.complete(fresh), (int) (cache.hits() - hitsBefore), missed.size());
  }

  @Test
  void shouldReturnTheIdenticalResultForARepeatedTextWithoutRunningTheModel() {
    ResultCache cache = new ResultCache(100, 1 << 20);
    Done first = run(cache, v1, List.of(query("good day alice"), query("bad day")));
    int passes = pass.batchSizes.size();
    Done second = run(cache, v1, List.of(query("bad day"), query("good day alice")));
    assertEquals(passes, pass.batchSizes.size(), "a fully cached batch ran the forward pass");
    assertEquals(2, second.hits());
    assertEquals(first.predictions().get(0), second.predictions().get(1));
    assertEquals(first.predictions().get(1), second.predictions().get(0));
    List<Prediction> uncached = v1.predict(List.of("bad day", "good day alice")).predictions();
    assertEquals(uncached, second.predictions());
    assertEquals(2, cache.hits());
    assertEquals(2, cache.misses());
  }

  @Test
  void shouldRunATextThatRepeatsWithinOneBatchOnce() {
    ResultCache cache = new ResultCache(100, 1 << 20);
    Done done = run(cache, v1, List.of(query("good alice"), query("bad"), query("good alice"), query("good alice")));
    assertEquals(List.of(2), pass.batchSizes, "one forward pass of the two distinct texts");
    assertEquals(2, done.misses());
    assertEquals(done.predictions().get(0), done.predictions().get(3));
    assertEquals(4, done.predictions().size());
    assertEquals(2, cache.entries());
  }

  @Test
  void shouldKeyByQuestionAndModelVersionAndClearWhenTheModelChanges() {
    ResultCache cache = new ResultCache(100, 1 << 20);
    run(cache, v1, List.of(query("good day", "who?"), query("good day", null)));
    Done again = run(cache, v1, List.of(query("good day", "who?"), query("good day", "when?")));
    assertEquals(1, again.hits(), "another question is another key");
    assertEquals("answer to good day (who?)", again.results().get(0).answer().text());
    assertEquals("answer to good day (when?)", again.results().get(1).answer().text());
    assertEquals(3, cache.entries());

    Done swapped = run(cache, v2, List.of(query("good day", "who?")));
    assertEquals(0, swapped.hits(), "a new model version must not see the old version's results");
    assertEquals(1, cache.entries(), "the swap cleared the old version's results");
    Done late = run(cache, v1, List.of(query("bad")));
    assertEquals(0, late.hits());
  }

  @Test
  void shouldEvictTheLeastRecentlyUsedResultAtTheEntryBound() {
    ResultCache cache = new ResultCache(2, 1 << 20);
    run(cache, v1, List.of(query("a"), query("b")));
    run(cache, v1, List.of(query("a"))); // a is now the most recently used
    run(cache, v1, List.of(query("c"))); // evicts b
    assertEquals(2, cache.entries());
    assertEquals(1, cache.evictions());
    assertEquals(1, run(cache, v1, List.of(query("a"))).hits());
    assertEquals(0, run(cache, v1, List.of(query("b"))).hits());
  }

  @Test
  void shouldStayWithinTheByteBoundAndNotKeepAResultLargerThanAnEighthOfIt() {
    long bound = 8 * 1024;
    ResultCache cache = new ResultCache(1_000, bound);
    for (int i = 0; i < 200; i++) {
      run(cache, v1, List.of(query("good text number " + i)));
      assertTrue(cache.bytes() <= bound, cache.toString());
    }
    assertTrue(cache.entries() < 200 && cache.entries() > 5, cache.toString());
    int before = cache.entries();
    String huge = "good ".repeat((int) bound / 8);
    Done big = run(cache, v1, List.of(query(huge)));
    assertEquals(0, big.hits());
    assertEquals(0, run(cache, v1, List.of(query(huge))).hits(), "an oversized result was cached");
    assertTrue(cache.entries() <= before);
  }

  @Test
  void shouldPassEverythingThroughWhenDisabledAndRejectNegativeBounds() {
    ResultCache cache = ResultCache.disabled();
    Done first = run(cache, v1, List.of(query("good"), query("good")));
    assertEquals(0, first.hits());
    assertEquals(List.of(2), pass.batchSizes);
    assertEquals(0, cache.entries());
    assertNull(first.results().get(0).answer());
    assertEquals(2, first.predictions().size());
    assertThrows(IllegalArgumentException.class, () -> new ResultCache(-1, 10));
    assertThrows(IllegalArgumentException.class, () -> new ResultCache(10, -1));
  }
}
