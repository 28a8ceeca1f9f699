package org.streambert.trainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import org.streambert.bert.bundle.BundleException;
import org.streambert.bert.model.NativeLogLevel;
import org.streambert.trainer.cli.BenchmarkCommand;
import org.streambert.trainer.cli.DistillCommand;
import org.streambert.trainer.cli.EvaluateCommand;
import org.streambert.trainer.cli.ExportCommand;
import org.streambert.trainer.cli.FineTuneCommand;
import org.streambert.trainer.cli.PromoteCommand;
import org.streambert.trainer.cli.RefreshCommand;
import org.streambert.trainer.cli.RollbackCommand;
import org.streambert.trainer.cli.ServeCommand;
import org.streambert.trainer.cli.FineTuneSquadCommand;
import org.streambert.trainer.cli.GenerateDemoDataCommand;
import org.streambert.trainer.cli.ImportCommand;
import org.streambert.trainer.cli.KeygenCommand;
import org.streambert.trainer.cli.LabelCommand;
import org.streambert.trainer.cli.PredictCommand;
import org.streambert.trainer.cli.PretrainCommand;
import org.streambert.trainer.cli.PublishCommand;
import org.streambert.trainer.cli.TokenizeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the training program: fine-tuning, MLM/NSP pre-training, SQuAD fine-tuning, evaluation, export and
 * checkpoint publishing. Exit codes are
 * those of {@link ExitCodes}: 0 ok, 1 failure, 2 bad input, 3 promotion gate refused.
 */
@Command(
    name = "trainer",
    mixinStandardHelpOptions = true,
    version = "trainer 0.1.0-SNAPSHOT",
    description = "Pre-trains and fine-tunes BERT, evaluates it and publishes model checkpoints to Kafka.",
    footer = {"", "Exit codes: 0 ok, 1 failure, 2 bad input (options, data, bundle), 3 promotion gate refused."},
    subcommands = {FineTuneCommand.class, DistillCommand.class, PretrainCommand.class, FineTuneSquadCommand.class, EvaluateCommand.class,
        PublishCommand.class, ImportCommand.class, ExportCommand.class, TokenizeCommand.class, GenerateDemoDataCommand.class,
        BenchmarkCommand.class, KeygenCommand.class, ServeCommand.class, PromoteCommand.class, RollbackCommand.class,
        RefreshCommand.class, PredictCommand.class, LabelCommand.class, CommandLine.HelpCommand.class})
public final class TrainerApp implements Callable<Integer> {

  @Override
  public Integer call() {
    CommandLine.usage(this, System.out);
    return ExitCodes.OK;
  }

  /** The configured command line (exit codes and error handling as documented). */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new TrainerApp()); // invalid options: picocli exits with 2 (USAGE)
    cli.setExecutionExceptionHandler((e, command, parseResult) -> {
      boolean badInput = isBadInput(e);
      command.getErr().println("error: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
      if (!badInput) {
        e.printStackTrace(command.getErr());
      }
      return badInput ? ExitCodes.BAD_INPUT : ExitCodes.FAILURE;
    });
    return cli;
  }

  /** Runs a command line and returns its exit code (for embedding and tests). */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  public static void main(String[] args) {
    // TensorFlow's native start-up notices (CPU features, oneDNN) off, as in the app; an explicit
    // TF_CPP_MIN_LOG_LEVEL in the environment wins (0 brings them back).
    NativeLogLevel.apply("warning");
    System.exit(run(args));
  }

  private static boolean isBadInput(Throwable e) {
    Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
    return cause instanceof IllegalArgumentException || cause instanceof BundleException
        || cause instanceof NoSuchFileException
        || (cause instanceof IOException && cause.getMessage() != null && cause.getMessage().startsWith("cannot read"));
  }
}
