package org.streambert.trainer;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the training program: fine-tuning, evaluation, export and checkpoint publishing. */
@Command(
    name = "trainer",
    mixinStandardHelpOptions = true,
    version = "trainer 0.1.0-SNAPSHOT",
    description = "Fine-tunes BERT, evaluates it and publishes model checkpoints to Kafka.",
    subcommands = {CommandLine.HelpCommand.class})
public final class TrainerApp implements Callable<Integer> {

  @Override
  public Integer call() {
    CommandLine.usage(this, System.out);
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new TrainerApp()).execute(args));
  }
}
