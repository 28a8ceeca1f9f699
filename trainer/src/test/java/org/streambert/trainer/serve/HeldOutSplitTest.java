package org.streambert.trainer.serve;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeldOutSplitTest {

  @Test
  void shouldHoldOutAboutThePercentageAndAlwaysTheSameIds() {
    HeldOutSplit split = new HeldOutSplit(20);
    List<String> heldOut = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      if (split.isHeldOut("example-" + i)) {
        heldOut.add("example-" + i);
      }
    }
    assertTrue(heldOut.size() > 1800 && heldOut.size() < 2200, heldOut.size() + " of 10000 held out");
    HeldOutSplit again = new HeldOutSplit(20);
    assertTrue(heldOut.stream().allMatch(again::isHeldOut), "a held-out id stays held out");
    HeldOutSplit wider = new HeldOutSplit(30);
    assertTrue(heldOut.stream().allMatch(wider::isHeldOut), "a larger share only adds ids");
  }

  @Test
  void shouldRefuseShareOutsideOneToNinetyNine() {
    assertThrows(IllegalArgumentException.class, () -> new HeldOutSplit(0));
    assertThrows(IllegalArgumentException.class, () -> new HeldOutSplit(100));
  }
}
