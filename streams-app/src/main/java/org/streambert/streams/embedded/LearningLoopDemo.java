package org.streambert.streams.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.streambert.schemas.Topics;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.NlpService;

/**
 * {@code embedded --learning-loop}: continuous learning on one machine. A weak v1 (10% of the generated training data)
 * serves; the generated texts stream through the app, which asks for labels where it is unsure; a
 * {@link SimulatedLabeller} answers from the ground truth; {@code trainer serve} (its own process) retrains from v1 and
 * publishes a candidate; the app scores it in shadow; serve promotes it from the shadow reports; the outputs switch.
 */
final class LearningLoopDemo {

  /** Share of the generated training data v1 is trained on. */
  static final double V1_SHARE = 0.1;

  private LearningLoopDemo() {}

  static int run(Demo demo, int trainExamples, Path dir, String bootstrap, String registryUrl, TrainerProcess trainer,
      Instant started, Map<String, Object> baseProps) throws Exception {
    Map<String, Object> props = new HashMap<>(baseProps);
    props.put(NlpConfig.LABELING_TOPIC_CONFIG, Topics.NEEDS_LABELING);
    props.put(NlpConfig.LABELING_SCORE_THRESHOLD_CONFIG, 0.9);
    props.put(NlpConfig.LABELING_MARGIN_THRESHOLD_CONFIG, 0.5);
    props.put(NlpConfig.LABELING_ENTITY_SCORE_THRESHOLD_CONFIG, 0.9);
    props.put(NlpConfig.SHADOW_SAMPLE_RATE_CONFIG, 1.0);
    props.put(NlpConfig.SHADOW_REPORT_INTERVAL_MS_CONFIG, 2000L);
    // The loop's inputs are signed too: a labeller key for the simulated labeller's answers and an instance key for
    // the app's shadow reports; trainer serve trusts only their public halves (--labeller-keys, --instance-keys).
    Path keys = dir.resolve("keys");
    Path labellerKey = keys.resolve("labeller.key");
    Path instanceKey = keys.resolve("instance.key");
    SigningKey.generate(labellerKey, keys.resolve("labeller.pub"), "embedded-labeller");
    SigningKey.generate(instanceKey, keys.resolve("instance.pub"), "embedded-instance");
    props.put(NlpConfig.SHADOW_SIGNING_KEY_FILE_CONFIG, instanceKey.toString());
    NlpConfig config = new NlpConfig(props);
    Path data = dir.resolve("data");
    Path v1Data = dir.resolve("data-v1");
    Path bertConfig = data.resolve("bert_config.json");
    Path store = dir.resolve("checkpoints");
    Path signingKey = dir.resolve("keys").resolve("trainer.key"); // made and trusted by EmbeddedCommand
    try (NlpService service = NlpService.start(config)) {
      demo.say("streams app running, asking for labels on '" + Topics.NEEDS_LABELING + "' where unsure");
      trainer.run(List.of("generate-demo-data", "--out", data.toString(), "--train", "" + trainExamples));
      Demo.demoConfig().write(bertConfig);
      List<String> topicLines = Files.readAllLines(data.resolve("topics-train.tsv"), StandardCharsets.UTF_8);
      List<String> nerSentences = sentences(data.resolve("ner-train.conll"));
      int topicCut = (int) Math.round(topicLines.size() * V1_SHARE);
      int nerCut = (int) Math.round(nerSentences.size() * V1_SHARE);
      Files.createDirectories(v1Data);
      Files.write(v1Data.resolve("topics-train.tsv"), topicLines.subList(0, topicCut));
      Files.writeString(v1Data.resolve("ner-train.conll"), String.join("\n", nerSentences.subList(0, nerCut)));
      Files.copy(data.resolve("topics-dev.tsv"), v1Data.resolve("topics-dev.tsv"));
      Files.copy(data.resolve("ner-dev.conll"), v1Data.resolve("ner-dev.conll"));
      demo.say(String.format(Locale.ROOT, "fine-tuning a weak v1 on %d topic texts and %d NER sentences (%.0f%% of "
          + "the generated data) ...", topicCut, nerCut, V1_SHARE * 100));
      trainer.run(Demo.fineTuneArgs(v1Data, bertConfig, dir.resolve("run-v1"), "1", store, signingKey, bootstrap,
          registryUrl, List.of("--bert-config", bertConfig.toString(), "--epochs", "3", "--lr", "5e-4")));
      demo.awaitVersion(service, "1");

      // The rest of the data streams through the app; the labeller knows its ground truth.
      Path restTopics = dir.resolve("data-rest-topics.tsv");
      Path restNer = dir.resolve("data-rest-ner.conll");
      Files.write(restTopics, topicLines.subList(topicCut, topicLines.size()));
      Files.writeString(restNer, String.join("\n", nerSentences.subList(nerCut, nerSentences.size())));
      Map<String, SimulatedLabeller.Truth> truth = new HashMap<>(SimulatedLabeller.readTopics(restTopics));
      truth.putAll(SimulatedLabeller.readConll(restNer));
      List<String> stream = new ArrayList<>(truth.keySet());
      Collections.shuffle(stream, new Random(7));

      AtomicReference<Exception> serveFailure = new AtomicReference<>();
      Thread serve = new Thread(() -> {
        try {
          trainer.run(List.of("serve", "--model-name", Demo.MODEL_NAME, "--store",
              store.toUri().toString(), "--signing-key", signingKey.toString(), "--work-dir", dir.resolve("serve").toString(), "--bootstrap-servers",
              bootstrap, "--schema-registry-url", registryUrl, "--min-new-examples", "150", "--max-interval", "10m",
              "--poll-interval", "1s", "--lr", "5e-4", "--epochs", "4", "--batch-size", "16", "--max-length", "48",
              "--labeller-keys", keys.resolve("labeller.pub").toString(), "--instance-keys",
              keys.resolve("instance.pub").toString(),
              "--auto-promote", "--promote-min-samples", "40", "--promote-max-latency-ratio", "3",
              "--with-onnx", "--until-promoted")); // candidates on the champion's engine: a fair latency ratio
        } catch (RuntimeException e) {
          serveFailure.set(e);
        }
      }, "trainer-serve");
      try (SimulatedLabeller labeller = new SimulatedLabeller(bootstrap, registryUrl, Topics.NEEDS_LABELING,
          Topics.TRAINING_EXAMPLES, truth, SigningKey.read(labellerKey));
          DemoTexts texts = new DemoTexts(bootstrap, registryUrl, config, demo.out())) {
        demo.say("trainer serve started (rounds at 150 new labelled examples; auto-promotion after 40 shadow "
            + "samples); a simulated labeller answers needs-labeling from the generated ground truth, signing with "
            + "its labeller key; shadow reports are signed with the instance key");
        serve.setDaemon(true);
        serve.start();
        demo.say("enriching sample texts with the weak v1:");
        for (String text : Demo.SAMPLE_TEXTS) {
          texts.send(text);
        }
        texts.printUntil(Demo.SAMPLE_TEXTS.size(), null, false, Duration.ofSeconds(60));
        demo.say("streaming " + stream.size() + " unseen texts through v1 ...");
        for (String text : stream) {
          texts.send(text);
        }
        texts.drain(stream.size(), Duration.ofSeconds(120));
        long answered = settle(labeller);
        demo.say("v1 asked for labels on the texts it was unsure about (needs-labeling); the simulated labeller "
            + "answered " + answered + " of them on training-examples");

        String candidate = await(() -> service.models().candidateVersion(), serve, serveFailure,
            Duration.ofMinutes(5), "a candidate from trainer serve");
        demo.say("candidate " + candidate + " loaded beside v1: shadow scoring of live texts (outputs stay v1)");
        Thread feeder = new Thread(() -> texts.feed(Demo.SAMPLE_TEXTS, 100), "demo-feeder");
        feeder.setDaemon(true);
        feeder.start();
        await(() -> candidate.equals(service.models().currentVersion()) ? candidate : null, serve, serveFailure,
            Duration.ofMinutes(3), "the promotion of " + candidate);
        demo.say("candidate " + candidate + " promoted by trainer serve from the shadow reports; outputs switch:");
        texts.printVersion(candidate, Demo.SAMPLE_TEXTS.size(), Duration.ofSeconds(60));
        texts.stopFeeding();
        feeder.join(5000);
      }
      serve.join(TimeUnit.SECONDS.toMillis(30));
      demo.say(String.format(Locale.ROOT, "done in %.0f s: weak v1 -> labels asked and answered -> trainer serve "
              + "round -> candidate in shadow -> promoted. Rounds on topic %s. Data in %s",
          Duration.between(started, Instant.now()).toMillis() / 1000.0, Topics.TRAINING_RUNS, dir));
      return 0;
    }
  }

  private static String await(Supplier<String> value, Thread serve,
      AtomicReference<Exception> failure, Duration timeout, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String v = value.get();
      if (v != null) {
        return v;
      }
      if (failure.get() != null) {
        throw new IllegalStateException("trainer serve failed before " + what, failure.get());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no " + what + " within " + timeout + " (serve "
            + (serve.isAlive() ? "still running" : "stopped") + "); see topics training-runs and model-rollout-status");
      }
      Thread.sleep(200);
    }
  }

  /** The labeller's answer count once it stopped growing for a second (at most 30 s). */
  private static long settle(SimulatedLabeller labeller) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    long last = -1;
    while (System.nanoTime() < deadline) {
      long now = labeller.answered();
      if (now == last && now > 0) {
        return now;
      }
      last = now;
      Thread.sleep(1000);
    }
    return labeller.answered();
  }

  /** The sentences of a CoNLL file, each with its lines and a trailing blank line. */
  private static List<String> sentences(Path conll) throws IOException {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Files.readAllLines(conll, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        if (current.length() > 0) {
          out.add(current.append('\n').toString());
          current.setLength(0);
        }
      } else {
        current.append(line).append('\n');
      }
    }
    if (current.length() > 0) {
      out.add(current.append('\n').toString());
    }
    return out;
  }
}
