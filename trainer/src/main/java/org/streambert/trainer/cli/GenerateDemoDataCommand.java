package org.streambert.trainer.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.data.DemoData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trainer generate-demo-data}: synthetic NER and topic data for demos and tests. */
@Command(name = "generate-demo-data", mixinStandardHelpOptions = true,
    description = "Writes synthetic data from templates: " + DemoData.NER_TRAIN + ", " + DemoData.NER_DEV
        + " (CoNLL, PER/LOC/ORG) and " + DemoData.TOPICS_TRAIN + ", " + DemoData.TOPICS_DEV
        + " (TSV, politics/sports/tech).")
public final class GenerateDemoDataCommand implements Callable<Integer> {

  @Option(names = "--out", required = true, paramLabel = "DIR") Path out;

  @Option(names = "--train", defaultValue = "1000", description = "Training examples per task. Default: "
      + "${DEFAULT-VALUE}.")
  int train;

  @Option(names = "--dev", defaultValue = "200", description = "Dev examples per task. Default: ${DEFAULT-VALUE}.")
  int dev;

  @Option(names = "--seed", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.") long seed;

  @Override
  public Integer call() {
    if (train < 1 || dev < 1) {
      throw new IllegalArgumentException("--train and --dev must be >= 1");
    }
    DemoData.write(out, train, dev, seed);
    System.out.println("wrote demo data to " + out);
    return ExitCodes.OK;
  }
}
