package org.streambert.trainer.cli;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.publish.Promotion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainer refresh}: re-issue the current events of a model, so that instances checking freshness accept them. */
@Command(name = "refresh", mixinStandardHelpOptions = true,
    description = "Publishes the current event of the model's serving slot and of its candidate slot again, unchanged "
        + "but with a new sequence, issue time and (with --event-validity) expiry. Run it more often than the "
        + "instances' nlp.model.max.event.age and the events' validity, e.g. from a cron job; instances keep serving "
        + "the same models. An event issued more than --max-age ago is not re-issued (it may be a replay).")
public final class RefreshCommand implements Callable<Integer> {

  @Mixin PromotionOptions promotion = new PromotionOptions();

  @Option(names = "--max-age", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Re-issue only events issued less than this long ago (and not expired): an older one may be a "
          + "replayed event that compaction left as the slot's latest. Default: --event-validity if given, else 7d.")
  Duration maxAge;

  @Override
  public Integer call() throws IOException {
    Duration age = maxAge != null ? maxAge : promotion.signing.eventValidity != null ? promotion.signing.eventValidity
        : DEFAULT_MAX_AGE;
    int n = Promotion.refresh(promotion.topic("refresh"), promotion.modelName, age, System.out).size();
    return n > 0 ? ExitCodes.OK : ExitCodes.BAD_INPUT;
  }

  /** Default of {@code --max-age} without {@code --event-validity}. */
  static final Duration DEFAULT_MAX_AGE = Duration.ofDays(7);
}
