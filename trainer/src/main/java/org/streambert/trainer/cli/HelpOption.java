package org.streambert.trainer.cli;

import picocli.CommandLine.Option;

/**
 * {@code -h/--help} alone, for commands whose own {@code --version} (a model version) takes the name of picocli's
 * standard {@code -V/--version}: with {@code mixinStandardHelpOptions} such a command silently lost {@code --help}.
 */
public final class HelpOption {

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;
}
