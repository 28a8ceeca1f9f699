package org.streambert.streams.processor.internals;

import org.streambert.bert.inference.TextWindows;
import org.streambert.streams.errors.RejectedRecordException;
import org.streambert.streams.errors.RejectedRecordException.Reason;
import org.streambert.streams.serving.ServingModel;

/**
 * What happens to a text longer than {@code maxWindows} windows of the serving model ({@code nlp.text.max.windows}
 * and its policy): it is refused as {@link Reason#TOO_MANY_WINDOWS}, or it runs truncated to the text its first
 * {@code maxWindows} windows cover. Bounds the work of one record.
 *
 * @param maxWindows most windows one text runs in; at least 1
 * @param truncate   beyond it: run the first windows and flag the output as truncated (true), or refuse (false)
 */
public record WindowPolicy(int maxWindows, boolean truncate) {

  public WindowPolicy {
    if (maxWindows < 1) {
      throw new IllegalArgumentException("maxWindows must be at least 1, not " + maxWindows);
    }
  }

  /**
   * How {@code record} runs with {@code model}.
   *
   * @throws RejectedRecordException with {@link Reason#TOO_MANY_WINDOWS} when the text is too long and the policy
   *                                  refuses it
   * @throws RuntimeException         from the model when the text cannot be tokenized
   */
  PendingBatches.Planned plan(ServingModel model, long seq, PendingRecord record) {
    TextWindows all = model.plan(record.text()); // the record's one tokenization
    if (all.windowCount() > maxWindows && !truncate) {
      throw new RejectedRecordException(Reason.TOO_MANY_WINDOWS, "text runs in " + all.windowCount()
          + " windows, more than nlp.text.max.windows=" + maxWindows);
    }
    int windows = Math.min(all.windowCount(), maxWindows);
    return new PendingBatches.Planned(seq, record, all.firstWindows(maxWindows), all.windowCount() > maxWindows,
        (long) windows * model.sequenceLength());
  }
}
