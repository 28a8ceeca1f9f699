package org.streambert.trainer.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.ClassificationReader;
import org.streambert.trainer.data.ConllReader;
import org.streambert.trainer.data.KafkaExampleSource;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.data.TagScheme;
import org.streambert.trainer.train.TaskData;
import picocli.CommandLine.Option;

/** Training and dev data: files and/or a Kafka topic of TrainingExample records. */
public final class DataOptions {

  @Option(names = "--cls-train", paramLabel = "FILE", description = "Classification training data (TSV text<TAB>label"
      + ", or JSONL {\"text\":..,\"label\":..} for .jsonl/.json).")
  Path clsTrain;

  @Option(names = "--cls-dev", paramLabel = "FILE", description = "Classification dev data (same formats).")
  Path clsDev;

  @Option(names = "--ner-train", paramLabel = "FILE", description = "NER training data (CoNLL: token ... tag).")
  Path nerTrain;

  @Option(names = "--ner-dev", paramLabel = "FILE", description = "NER dev data (CoNLL).")
  Path nerDev;

  @Option(names = "--ner-scheme", paramLabel = "IOB1|IOB2|BIOES|BILOU",
      description = "Tag scheme of the CoNLL files; default: detected per file.")
  TagScheme nerScheme;

  @Option(names = "--examples-topic", paramLabel = "TOPIC", description = "Also train on the TrainingExample records "
      + "of this topic, read to its current end (needs --bootstrap-servers, --schema-registry-url).")
  String examplesTopic;

  @Option(names = "--labeller-keys", paramLabel = "FILE", description = "With --examples-topic: train only on "
      + "examples signed by one of these labeller public keys (as trainer serve does); required unless "
      + "--accept-unsigned-examples.")
  java.nio.file.Path labellerKeys;

  @Option(names = "--accept-unsigned-examples", description = "With --examples-topic: train on every example, signed "
      + "or not (whoever can write the topic chooses training data).")
  boolean acceptUnsignedExamples;

  @Option(names = "--dev-fraction", defaultValue = "0.1", description = "Share of the training data held out as dev "
      + "data for a task without a dev file. Default: ${DEFAULT-VALUE}.")
  double devFraction;

  /** The labeller keys examples must be signed with (the rule of {@link SignedInputs}, as trainer serve has it). */
  private org.streambert.schemas.signing.TrustedKeys labellers(PrintStream log) {
    try {
      return SignedInputs.trust(labellerKeys, acceptUnsignedExamples, "--labeller-keys", "--accept-unsigned-examples",
          "examples", log);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read --labeller-keys " + labellerKeys, e);
    }
  }

  TaskData load(KafkaOptions kafka, long seed, PrintStream log) {
    List<ClassificationExample> ct = new ArrayList<>();
    List<ClassificationExample> cd = new ArrayList<>();
    List<NerSentence> nt = new ArrayList<>();
    List<NerSentence> nd = new ArrayList<>();
    if (clsTrain != null) {
      ct.addAll(ClassificationReader.read(clsTrain).examples());
    }
    if (clsDev != null) {
      cd.addAll(ClassificationReader.read(clsDev).examples());
    }
    if (nerTrain != null) {
      nt.addAll(ConllReader.read(nerTrain, nerScheme).sentences());
    }
    if (nerDev != null) {
      nd.addAll(ConllReader.read(nerDev, nerScheme).sentences());
    }
    if (examplesTopic != null) {
      kafka.require("--examples-topic");
      KafkaExampleSource.Examples examples =
          KafkaExampleSource.read(kafka.clients(), examplesTopic, labellers(log));
      log.printf("read %d records from %s: %d classification, %d NER examples (%d refused: not signed by a "
          + "labeller key)%n", examples.recordsRead(), examplesTopic, examples.classification().size(),
          examples.ner().size(), examples.refused());
      ct.addAll(examples.classification());
      nt.addAll(examples.ner());
    }
    if (clsDev != null && ct.isEmpty()) {
      throw new IllegalArgumentException("--cls-dev without classification training data");
    }
    if (nerDev != null && nt.isEmpty()) {
      throw new IllegalArgumentException("--ner-dev without NER training data");
    }
    if (ct.isEmpty() && nt.isEmpty()) {
      throw new IllegalArgumentException("no training data: give --cls-train, --ner-train and/or --examples-topic");
    }
    if (!ct.isEmpty()) {
      KafkaExampleSource.classificationDataset("classification training data", ct); // refuses a single class
    }
    if (!nt.isEmpty()) {
      KafkaExampleSource.nerDataset("NER training data", nt); // refuses no entities
    }
    return TaskData.withDevSplit(ct, cd, nt, nd, devFraction, seed);
  }
}
