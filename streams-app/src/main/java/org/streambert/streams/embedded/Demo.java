package org.streambert.streams.embedded;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.streams.NlpService;

/**
 * What the embedded demos share: the demo model and its sample texts, the trainer arguments that fine-tune and
 * publish it (with its ONNX file, so that the app's default engine choice can serve it on ONNX Runtime), and the
 * console they talk to.
 */
final class Demo {

  /** Name of the demo model. */
  static final String MODEL_NAME = "demo-nlp";

  /** Texts of the demo: the generated training data's vocabulary, sentences the model has not seen. */
  static final List<String> SAMPLE_TEXTS = List.of(
      "Engineers at Siemens built an AI model for translation.",
      "Liam Moore scored two goals as Madrid won the match on Sunday.",
      "The parliament in Oslo passed the new budget on Tuesday.",
      "Grace Wilson broke the marathon record in Tokyo on Friday",
      "Emma Clark announced a campaign for the presidential election",
      "Peter Garcia presented the latest software update at Airbus.");

  static List<String> fineTuneArgs(Path data, Path bertConfig, Path out, String version, Path store,
      Path signingKey, String bootstrap, String registryUrl, List<String> start) {
    List<String> args = new ArrayList<>(List.of("fine-tune",
        "--cls-train", data.resolve("topics-train.tsv").toString(),
        "--cls-dev", data.resolve("topics-dev.tsv").toString(),
        "--ner-train", data.resolve("ner-train.conll").toString(),
        "--ner-dev", data.resolve("ner-dev.conll").toString(),
        "--out", out.toString(), "--model-name", MODEL_NAME, "--version", version,
        "--batch-size", "16", "--max-length", "48",
        "--publish", "--with-onnx", "--store", store.toUri().toString(), "--signing-key", signingKey.toString(),
        "--bootstrap-servers", bootstrap, "--schema-registry-url", registryUrl));
    args.addAll(start);
    return args;
  }

  /** A small BERT that learns the demo tasks in well under a minute on two cores. */
  static BertConfig demoConfig() {
    return new BertConfig(BertConfig.DEFAULT_VOCAB_SIZE, 128, 2, 2, 512, Activation.GELU_TANH, 0.1, 0.1, 64, 2, 0.02);
  }

  private final PrintStream out;

  Demo(PrintStream out) {
    this.out = out;
  }

  PrintStream out() {
    return out;
  }

  /** Waits (up to 120 s) until {@code version} serves, then says so. */
  void awaitVersion(NlpService service, String version) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!version.equals(service.models().currentVersion())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("model version " + version + " was not loaded within 120 s (serving: "
            + service.models().currentVersion() + "); see the model-rollout-status topic");
      }
      Thread.sleep(100);
    }
    say("model " + MODEL_NAME + " v" + version + " verified, loaded and serving on "
        + service.models().peek().map(m -> m.engine().toString()).orElse("?"));
  }

  void say(String line) {
    out.println("==> " + line);
  }
}
