package org.streambert.streams;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** The embedded default mode: everything on loopback, no configuration. */
@Command(
    name = "embedded",
    mixinStandardHelpOptions = true,
    description = "Run the whole pipeline on this machine (embedded broker and schema registry).")
final class EmbeddedCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    System.out.println("streams-app embedded mode: the NLP topology is not built yet (issue 5).");
    return 0;
  }
}
