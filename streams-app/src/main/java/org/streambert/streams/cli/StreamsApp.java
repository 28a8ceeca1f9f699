package org.streambert.streams.cli;

import java.util.concurrent.Callable;
import org.streambert.streams.embedded.EmbeddedCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the Kafka Streams NLP program. With no arguments it runs the embedded default mode
 * (see {@link EmbeddedCommand}); {@code run} runs against an existing Kafka cluster.
 */
@Command(
    name = "streams-app",
    mixinStandardHelpOptions = true,
    version = "streams-app 0.1.0-SNAPSHOT",
    description = "Streaming BERT for Kafka: tokenizes text records, runs BERT and writes enriched records.",
    subcommands = {EmbeddedCommand.class, RunCommand.class, ProduceCommand.class, ConsumeCommand.class,
        CommandLine.HelpCommand.class})
public final class StreamsApp implements Callable<Integer> {

  @Override
  public Integer call() {
    // No subcommand: the embedded default mode, as the README's "run the main job" command promises.
    return new CommandLine(new EmbeddedCommand()).execute();
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new StreamsApp()).execute(args));
  }
}
