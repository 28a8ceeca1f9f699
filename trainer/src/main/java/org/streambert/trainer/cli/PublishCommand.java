package org.streambert.trainer.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.publish.CheckpointStore;
import org.streambert.trainer.publish.Publisher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainer publish}: gate, store, ModelCheckpoint event. */
@Command(name = "publish", mixinStandardHelpOptions = true,
    description = {"Publishes a run directory written by fine-tune or import: checks the promotion gate against the "
        + "model's published version (latest event on the topic), copies the bundle to the checkpoint store and "
        + "produces a ModelCheckpoint keyed by model name.",
        "Exit codes: 0 published, 3 refused by the gate, 2 bad input, 1 other failure."})
public final class PublishCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();
  @Mixin PublishOptions publishing = new PublishOptions();

  @Option(names = "--run", required = true, paramLabel = "DIR", description = "Run directory (bundle/, run.json).")
  Path run;

  @Override
  public Integer call() throws Exception {
    kafka.require("publish");
    if (publishing.store == null) {
      throw new IllegalArgumentException("publish needs --store");
    }
    publishing.prepareBundle(run, System.out);
    Publisher.Outcome outcome = Publisher.publish(run, CheckpointStore.at(publishing.store),
        publishing.checkpointTopic(kafka),
        publishing.bundleUriBase, !publishing.noGate, publishing.gateTolerance, System.out);
    if (!outcome.published()) {
      System.err.println("not published: the promotion gate refused the candidate");
      return ExitCodes.GATE_REFUSED;
    }
    return ExitCodes.OK;
  }
}
