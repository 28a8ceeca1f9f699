package org.streambert.bert.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.streambert.bert.model.TinyBert.Inputs;

class BertModelTest {
  private static final BertConfig CFG = TinyBert.CONFIG;
  private static final HeadsSpec HEADS = HeadsSpec.classification(3).withTokenHead(4);

  private static BertModel newModel() {
    return BertModel.create(CFG, HEADS, WeightSource.ofArrays(TinyBert.randomWeights(CFG, HEADS, 21)));
  }

  @Test
  void shouldCloseEveryTensorItCreatesOrFetches() {
    Inputs in = TinyBert.inputs(8, 64, new int[] {64, 60, 50, 40, 30, 20, 10, 5}, 22);
    try (BertModel m = newModel()) {
      m.run(8, 64, in.ids(), in.mask(), in.segments());
      // JavaCPP tracks every native tensor that has not been freed yet; an unclosed tensor stays tracked until the
      // garbage collector happens to find it, so a leak of ~6 tensors per run shows up as thousands here
      long before = Pointer.totalCount();
      for (int i = 0; i < 2000; i++) {
        ForwardResult r = m.run(8, 64, in.ids(), in.mask(), in.segments());
        assertEquals(8 * 64 * 4, r.tokenProbs().length);
        m.encode(8, 64, in.ids(), in.mask(), in.segments());
      }
      long stillTracked = Pointer.totalCount() - before;
      assertTrue(stillTracked < 50, stillTracked + " native objects still tracked after 4000 runs");
    }
  }

  @Test
  void shouldGiveTheSameResultsToConcurrentCallers() throws Exception {
    Inputs in = TinyBert.inputs(2, 10, new int[] {10, 6}, 23);
    try (BertModel m = newModel()) {
      ForwardResult expected = m.run(2, 10, in.ids(), in.mask(), in.segments());
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<ForwardResult>> results = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          results.add(pool.submit(() -> m.run(2, 10, in.ids(), in.mask(), in.segments())));
        }
        for (Future<ForwardResult> f : results) {
          ForwardResult r = f.get(30, TimeUnit.SECONDS);
          assertArrayEquals(expected.pooled(), r.pooled());
          assertArrayEquals(expected.classProbs(), r.classProbs());
          assertArrayEquals(expected.tokenProbs(), r.tokenProbs());
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void shouldLetInFlightRunsFinishWhenClosedAndRejectLaterOnes() throws Exception {
    Inputs in = TinyBert.inputs(4, 64, new int[] {64, 64, 64, 64}, 24);
    BertModel m = newModel();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    AtomicInteger completed = new AtomicInteger();
    CountDownLatch running = new CountDownLatch(3);
    List<Future<Throwable>> outcomes = new ArrayList<>();
    try {
      for (int w = 0; w < 3; w++) {
        outcomes.add(pool.submit(() -> {
          running.countDown();
          try {
            while (true) {
              ForwardResult r = m.run(4, 64, in.ids(), in.mask(), in.segments());
              if (r.pooled().length != 4 * 32) {
                return new AssertionError("bad result");
              }
              completed.incrementAndGet();
            }
          } catch (Throwable t) {
            return t;
          }
        }));
      }
      running.await();
      while (completed.get() < 10) {
        Thread.sleep(5);
      }
      m.close();
      for (Future<Throwable> f : outcomes) {
        Throwable t = f.get(30, TimeUnit.SECONDS);
        assertTrue(t instanceof IllegalStateException && t.getMessage().contains("closed"),
            "a worker ended with " + t);
      }
    } finally {
      pool.shutdownNow();
      m.close();
    }
    assertThrows(IllegalStateException.class, () -> m.run(4, 64, in.ids(), in.mask(), in.segments()));
  }

  @Test
  void shouldRejectMalformedInputsNamingTheProblem() {
    Inputs in = TinyBert.inputs(1, 4, new int[] {4}, 25);
    try (BertModel m = newModel()) {
      var e = assertThrows(IllegalArgumentException.class, () -> m.run(2, 4, in.ids(), in.mask(), in.segments()));
      assertTrue(e.getMessage().contains("inputIds has 4 values"), e.getMessage());
      int[] badIds = in.ids().clone();
      badIds[2] = CFG.vocabSize();
      e = assertThrows(IllegalArgumentException.class, () -> m.run(1, 4, badIds, in.mask(), in.segments()));
      assertTrue(e.getMessage().contains("inputIds[2] = 100"), e.getMessage());
      int[] badSeg = {0, 0, 2, 0};
      e = assertThrows(IllegalArgumentException.class, () -> m.run(1, 4, in.ids(), in.mask(), badSeg));
      assertTrue(e.getMessage().contains("segmentIds[2]"), e.getMessage());
      int t = CFG.maxPositionEmbeddings() + 1;
      e = assertThrows(IllegalArgumentException.class,
          () -> m.run(1, t, new int[t], new int[t], new int[t]));
      assertTrue(e.getMessage().contains("seqLen"), e.getMessage());
    }
  }

  @Test
  void shouldNameAMissingWeight() {
    Map<String, float[]> w = new HashMap<>(TinyBert.randomWeights(CFG, HEADS, 26));
    w.remove("bert/encoder/layer_1/attention/self/key/bias");
    var e = assertThrows(IllegalArgumentException.class,
        () -> BertModel.create(CFG, HEADS, WeightSource.ofArrays(w)));
    assertTrue(e.getMessage().contains("bert/encoder/layer_1/attention/self/key/bias"), e.getMessage());
  }

  @Test
  void shouldNameAMisShapedWeight() {
    Map<String, float[]> w = new HashMap<>(TinyBert.randomWeights(CFG, HEADS, 27));
    w.put("bert/pooler/dense/bias", new float[31]);
    var e = assertThrows(IllegalArgumentException.class,
        () -> BertModel.create(CFG, HEADS, WeightSource.ofArrays(w)));
    assertTrue(e.getMessage().contains("bert/pooler/dense/bias"), e.getMessage());
  }

  @Test
  void shouldFillMissingHeadsFromAFallbackSource() {
    Map<String, float[]> encoderOnly = TinyBert.randomWeights(CFG, HeadsSpec.NONE, 28);
    try (BertModel m = BertModel.create(CFG, HEADS,
        WeightSource.ofArrays(encoderOnly).orElse(WeightSource.random(CFG.initializerRange(), 1)))) {
      Map<String, float[]> loaded = m.weights();
      assertArrayEquals(encoderOnly.get("bert/pooler/dense/kernel"), loaded.get("bert/pooler/dense/kernel"));
      assertArrayEquals(new float[3], loaded.get("cls_head/output_bias"));
      float[] headWeights = loaded.get("cls_head/output_weights");
      double max = 0;
      for (float v : headWeights) {
        max = Math.max(max, Math.abs(v));
      }
      assertTrue(max > 0 && max <= 2 * CFG.initializerRange() + 1e-7, "truncated normal, got max " + max);
    }
  }

  @Test
  void shouldRebuildIdenticallyFromItsOwnWeights() {
    Inputs in = TinyBert.inputs(2, 9, new int[] {9, 3}, 29);
    Map<String, float[]> w = TinyBert.randomWeights(CFG, HEADS, 30);
    try (BertModel a = BertModel.create(CFG, HEADS, WeightSource.ofArrays(w));
        BertModel b = BertModel.create(CFG, HEADS, WeightSource.ofArrays(a.weights()))) {
      for (Map.Entry<String, float[]> e : w.entrySet()) {
        assertArrayEquals(e.getValue(), a.weights().get(e.getKey()), e.getKey());
      }
      ForwardResult ra = a.run(2, 9, in.ids(), in.mask(), in.segments());
      ForwardResult rb = b.run(2, 9, in.ids(), in.mask(), in.segments());
      assertArrayEquals(ra.tokenProbs(), rb.tokenProbs());
    }
  }
}
