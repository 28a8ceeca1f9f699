package org.streambert.trainer.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import org.streambert.trainer.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainer promote --version V}: an operator promotes a published version (typically the candidate). */
@Command(name = "promote",
    description = "Publishes version V as PROMOTED: every app instance loads it (through the usual checks) and serves "
        + "it; if V is the candidate in shadow, the candidate slot is retired.")
public final class PromoteCommand implements Callable<Integer> {

  @Mixin HelpOption help = new HelpOption();

  @Mixin PromotionOptions promotion = new PromotionOptions();

  @Option(names = "--version", required = true, paramLabel = "V") String version;

  @Override
  public Integer call() throws IOException {
    promotion.promote("promote", version);
    return ExitCodes.OK;
  }
}
