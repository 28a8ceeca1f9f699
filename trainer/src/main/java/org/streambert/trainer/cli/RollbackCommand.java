package org.streambert.trainer.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import org.streambert.trainer.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainer rollback --to V}: serve an older published version again. */
@Command(name = "rollback", mixinStandardHelpOptions = true,
    description = "Publishes the older version V as PROMOTED again (its event as the checkpoint topic still holds "
        + "it); every app instance swaps back to it.")
public final class RollbackCommand implements Callable<Integer> {

  @Mixin PromotionOptions promotion = new PromotionOptions();

  @Option(names = "--to", required = true, paramLabel = "V") String version;

  @Override
  public Integer call() throws IOException {
    promotion.promote("rollback", version);
    return ExitCodes.OK;
  }
}
