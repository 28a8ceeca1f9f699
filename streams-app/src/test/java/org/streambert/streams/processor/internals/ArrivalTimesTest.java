package org.streambert.streams.processor.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ArrivalTimesTest {

  @Test
  void shouldReportWaitOfOldestRecordAndForgetOlderOnes() {
    ArrivalTimes t = new ArrivalTimes(8);
    t.add(0, 100);
    t.add(1, 150);
    t.add(2, 300);
    assertEquals(900, t.waitedNanos(0, 1000));
    // Record 1 left with the first batch; the second batch starts at record 2.
    assertEquals(700, t.waitedNanos(2, 1000));
    assertEquals(-1, t.waitedNanos(1, 1000), "forgotten");
  }

  @Test
  void shouldReportUnknownForRestoredRecordsAndWhenFull() {
    ArrivalTimes t = new ArrivalTimes(2);
    assertEquals(-1, t.waitedNanos(5, 1000), "restored record, never added");
    t.add(6, 10);
    t.add(7, 20);
    t.add(8, 30); // full: not remembered
    assertEquals(990, t.waitedNanos(6, 1000));
    assertEquals(-1, t.waitedNanos(8, 1000));
    t.add(9, 40); // room again
    assertEquals(960, t.waitedNanos(9, 1000));
  }

  @Test
  void shouldNeverReportNegativeWait() {
    ArrivalTimes t = new ArrivalTimes(2);
    t.add(0, 500);
    assertEquals(0, t.waitedNanos(0, 400));
  }
}
