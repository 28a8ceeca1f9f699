package org.streambert.streams.testkit;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import org.streambert.bert.bundle.BundleContents;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.bundle.TokenizerSettings;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.HeadSpec;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.schemas.avro.Entity;
import org.streambert.schemas.avro.GoldenExample;
import org.streambert.schemas.avro.Head;
import org.streambert.schemas.avro.HeadType;
import org.streambert.schemas.avro.LabelScore;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.streams.serving.LoadedModel;
import org.streambert.streams.serving.ModelLoader;

/**
 * A deterministic stand-in for a BERT model, for tests: its outputs follow keyword rules you choose, so every expected
 * result can be worked out by hand, and it loads in milliseconds. It is a real bundle (written by {@link #writeBundle},
 * loaded by {@link #loader()} like any other, golden-checked by the rollout), so the step under test runs its real
 * batching, pending store, rollout and swap; only the forward pass is a rule:
 *
 * <ul>
 *   <li>classification: the label with the most keyword hits in a text scores 0.9 and the other labels share 0.1;
 *       a text without a keyword gives the first label 0.5 and the others share 0.5;</li>
 *   <li>entities: each word listed for an entity type is one entity of that type with score 0.9 (code-point span of
 *       the word);</li>
 *   <li>words are matched lower-cased and whole (WordPiece with a vocabulary of the rule words: any other word is
 *       {@code [UNK]}).</li>
 * </ul>
 *
 * <pre>{@code
 * FakeBert model = FakeBert.builder("sentiment").label("neg", "bad", "broken").label("pos", "good", "great")
 *     .entity("PRODUCT", "kettle", "toaster").build();
 * }</pre>
 */
public final class FakeBert {

  /** The rules file in the bundle's {@code saved_model/} directory, which {@link #loader()} reads. */
  public static final String RULES_FILE = "fake-bert.properties";
  /** Name of the classification head. */
  public static final String CLASSIFICATION_HEAD = "classification";
  /** Name of the token classification head. */
  public static final String TOKEN_HEAD = "ner";

  private static final List<String> SPECIALS = List.of(Vocab.PAD, Vocab.UNK, Vocab.CLS, Vocab.SEP, Vocab.MASK);
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]{1,50}");
  private static final float HIT = 0.9f;
  private static final int MAX_LENGTH = 128;
  private static final int HIDDEN = 4;

  private final String modelName;
  private final Map<String, Set<String>> labels;
  private final Map<String, Set<String>> entities;

  private FakeBert(String modelName, Map<String, Set<String>> labels, Map<String, Set<String>> entities) {
    this.modelName = modelName;
    this.labels = labels;
    this.entities = entities;
  }

  /** A builder of a model named {@code modelName} (the step's {@code NlpStepOptions.modelName()}). */
  public static Builder builder(String modelName) {
    return new Builder(modelName);
  }

  /** The model's name: its checkpoint events carry it, and the step serves only its own model's events. */
  public String modelName() {
    return modelName;
  }

  /** The class labels in output order (empty without a classification head). */
  public List<String> labels() {
    return List.copyOf(labels.keySet());
  }

  /** The token tags in output order: {@code O}, then {@code B-T}, {@code I-T} per entity type (empty without). */
  public List<String> tags() {
    if (entities.isEmpty()) {
      return List.of();
    }
    List<String> tags = new ArrayList<>(List.of("O"));
    for (String type : entities.keySet()) {
      tags.add("B-" + type);
      tags.add("I-" + type);
    }
    return tags;
  }

  /** The loader of bundles written by {@link #writeBundle}: plug it into the step ({@code rollout(loader, dir)}). */
  public static ModelLoader loader() {
    return bundle -> {
      FakeBert model = readRules(bundle.savedModelDir().resolve(RULES_FILE), bundle.model().name());
      Vocab vocab = Vocab.of(Files.readAllLines(bundle.vocabFile(), StandardCharsets.UTF_8));
      return new LoadedModel(new WordPieceTokenizer(vocab, true), model.new Pass(vocab));
    };
  }

  /** Writes this model as bundle {@code version} into the new directory {@code dir}. */
  public ModelBundle writeBundle(Path dir, String version) throws IOException {
    List<String> vocab = new ArrayList<>(SPECIALS);
    Set<String> words = new LinkedHashSet<>();
    labels.values().forEach(words::addAll);
    entities.values().forEach(words::addAll);
    vocab.addAll(words);
    List<HeadSpec> heads = new ArrayList<>();
    if (!labels.isEmpty()) {
      heads.add(new ClassificationHead(CLASSIFICATION_HEAD, labels(), false));
    }
    if (!entities.isEmpty()) {
      heads.add(new TokenClassificationHead(TOKEN_HEAD, tags()));
    }
    ModelDescriptor descriptor = new ModelDescriptor(modelName, version, Instant.parse("2025-01-01T00:00:00Z"),
        ModelDescriptor.bertConfigOf(Map.of("vocab_size", vocab.size(), "max_position_embeddings", MAX_LENGTH,
            "hidden_size", HIDDEN)), new TokenizerSettings(true, MAX_LENGTH), heads);
    return ModelBundle.write(dir, new BundleContents(descriptor, vocab), savedModel -> {
      Files.createDirectories(savedModel);
      writeRules(savedModel.resolve(RULES_FILE));
    });
  }

  /**
   * Writes bundle {@code version} into the new directory {@code dir} and returns its checkpoint event (stage
   * PROMOTED, unsigned), with one golden example per keyword label and entity type that the rollout checks.
   */
  public ModelCheckpoint checkpoint(Path dir, String version) throws IOException {
    ModelBundle bundle = writeBundle(dir, version);
    List<Head> heads = new ArrayList<>();
    if (!labels.isEmpty()) {
      heads.add(new Head(CLASSIFICATION_HEAD, HeadType.CLASSIFICATION, labels()));
    }
    if (!entities.isEmpty()) {
      heads.add(new Head(TOKEN_HEAD, HeadType.TOKEN_CLASSIFICATION, tags()));
    }
    return ModelCheckpoint.newBuilder().setModelName(modelName).setVersion(version)
        .setBundleUri(bundle.dir().toUri().toString()).setManifestSha256(bundle.manifestSha256())
        .setCreatedAt(Instant.now()).setHeads(heads).setGoldenExamples(golden()).build();
  }

  /** One example per label with a keyword and per entity type, with the outputs of the rules. */
  private List<GoldenExample> golden() {
    List<String> texts = new ArrayList<>();
    labels.values().stream().filter(w -> !w.isEmpty()).forEach(w -> texts.add(w.iterator().next()));
    entities.values().forEach(w -> texts.add("about " + w.iterator().next()));
    List<GoldenExample> golden = new ArrayList<>();
    for (String text : texts) {
      List<String> words = List.of(text.split(" "));
      GoldenExample.Builder g = GoldenExample.newBuilder().setText(text);
      if (!labels.isEmpty()) {
        float[] probs = classify(words);
        int best = 0;
        for (int i = 1; i < probs.length; i++) {
          best = probs[i] > probs[best] ? i : best;
        }
        g.setExpectedLabel(labels().get(best))
            .setExpectedScores(List.of(new LabelScore(labels().get(best), probs[best])));
      }
      List<Entity> expected = new ArrayList<>();
      int at = 0;
      for (String w : words) {
        String type = entityType(w);
        if (type != null) {
          expected.add(new Entity(type, w, at, at + w.length(), HIT));
        }
        at += w.length() + 1;
      }
      golden.add(g.setExpectedEntities(expected).build());
    }
    return golden;
  }

  /** The class probabilities of the rule for these (lower-cased) words. */
  float[] classify(List<String> words) {
    List<String> names = labels();
    int n = names.size();
    int[] hits = new int[n];
    for (String w : words) {
      for (int i = 0; i < n; i++) {
        if (labels.get(names.get(i)).contains(w)) {
          hits[i]++;
        }
      }
    }
    int best = 0;
    for (int i = 1; i < n; i++) {
      best = hits[i] > hits[best] ? i : best;
    }
    float top = hits[best] > 0 ? HIT : 0.5f;
    float[] probs = new float[n];
    for (int i = 0; i < n; i++) {
      probs[i] = i == best ? top : (1f - top) / (n - 1);
    }
    return probs;
  }

  /** The entity type of a (lower-cased) word, or null. */
  String entityType(String word) {
    for (Map.Entry<String, Set<String>> e : entities.entrySet()) {
      if (e.getValue().contains(word)) {
        return e.getKey();
      }
    }
    return null;
  }

  private void writeRules(Path file) throws IOException {
    Properties p = new Properties();
    p.setProperty("labels", String.join(",", labels.keySet()));
    labels.forEach((label, words) -> p.setProperty("label." + label, String.join(",", words)));
    p.setProperty("entities", String.join(",", entities.keySet()));
    entities.forEach((type, words) -> p.setProperty("entity." + type, String.join(",", words)));
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      p.store(out, "FakeBert rules");
    }
  }

  private static FakeBert readRules(Path file, String modelName) throws IOException {
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    }
    Builder b = builder(modelName);
    for (String label : list(p.getProperty("labels"))) {
      b.label(label, list(p.getProperty("label." + label)).toArray(String[]::new));
    }
    for (String type : list(p.getProperty("entities"))) {
      b.entity(type, list(p.getProperty("entity." + type)).toArray(String[]::new));
    }
    return b.build();
  }

  private static List<String> list(String value) {
    if (value == null || value.isBlank()) {
      return List.of();
    }
    return List.of(value.split(","));
  }

  @Override
  public String toString() {
    return "FakeBert[" + modelName + ", labels " + labels + ", entities " + entities + "]";
  }

  /** The rules as a forward pass over token ids. Thread-safe (immutable). */
  private final class Pass implements ForwardPass {
    private final Vocab vocab;

    Pass(Vocab vocab) {
      this.vocab = vocab;
    }

    @Override
    public ForwardResult run(int batch, int seqLen, int[] inputIds, int[] inputMask, int[] segmentIds) {
      int classes = labels.size();
      List<String> tags = tags();
      int k = tags.size();
      float[] pooled = new float[batch * HIDDEN];
      float[] classProbs = classes == 0 ? null : new float[batch * classes];
      float[] tokenProbs = k == 0 ? null : new float[batch * seqLen * k];
      for (int b = 0; b < batch; b++) {
        List<String> words = new ArrayList<>();
        for (int t = 0; t < seqLen; t++) {
          int at = b * seqLen + t;
          String word = inputMask[at] == 1 ? vocab.token(inputIds[at]) : null;
          if (word != null) {
            words.add(word);
            pooled[b * HIDDEN] += 1;
          }
          if (tokenProbs != null) {
            String type = word == null ? null : entityType(word);
            int tag = type == null ? 0 : tags.indexOf("B-" + type);
            for (int j = 0; j < k; j++) {
              tokenProbs[at * k + j] = j == tag ? HIT : (1f - HIT) / (k - 1);
            }
          }
        }
        if (classProbs != null) {
          System.arraycopy(classify(words), 0, classProbs, b * classes, classes);
          pooled[b * HIDDEN + 1] = classProbs[b * classes];
        }
      }
      return new ForwardResult(batch, seqLen, HIDDEN, classes, k, pooled, classProbs, tokenProbs);
    }

    @Override
    public int hiddenSize() {
      return HIDDEN;
    }

    @Override
    public int numClasses() {
      return labels.size();
    }

    @Override
    public int numTokenLabels() {
      return tags().size();
    }

    @Override
    public void close() {
    }
  }

  /** Rules of a {@link FakeBert}; labels and entity types keep the order they are added in. */
  public static final class Builder {
    private final String modelName;
    private final Map<String, Set<String>> labels = new LinkedHashMap<>();
    private final Map<String, Set<String>> entities = new LinkedHashMap<>();

    private Builder(String modelName) {
      if (modelName == null || modelName.isBlank()) {
        throw new IllegalArgumentException("modelName must not be blank");
      }
      this.modelName = modelName;
    }

    /** A class label and the keywords that vote for it (none: a label only the no-keyword rule can pick). */
    public Builder label(String label, String... keywords) {
      labels.put(requireName(label), words(keywords));
      return this;
    }

    /** An entity type and its words (at least one). */
    public Builder entity(String type, String... words) {
      Set<String> w = words(words);
      if (w.isEmpty()) {
        throw new IllegalArgumentException("entity type " + type + " needs at least one word");
      }
      entities.put(requireName(type), w);
      return this;
    }

    /** The model: at least two labels or at least one entity type (or both). */
    public FakeBert build() {
      if (labels.size() == 1) {
        throw new IllegalArgumentException("a classification needs at least two labels, got " + labels.keySet());
      }
      if (labels.isEmpty() && entities.isEmpty()) {
        throw new IllegalArgumentException("a model needs labels or entity types");
      }
      return new FakeBert(modelName, new LinkedHashMap<>(labels), new LinkedHashMap<>(entities));
    }

    private static String requireName(String name) {
      if (name == null || !WORD.matcher(name.replace("-", "").replace("_", "")).matches()) {
        throw new IllegalArgumentException("a label or type is letters, digits, '-' or '_', was " + name);
      }
      return name;
    }

    private static Set<String> words(String... words) {
      Objects.requireNonNull(words, "words");
      Set<String> out = new LinkedHashSet<>();
      for (String w : words) {
        String lower = w == null ? "" : w.toLowerCase(Locale.ROOT);
        if (!WORD.matcher(lower).matches()) {
          throw new IllegalArgumentException("a rule word is 1 to 50 letters or digits, was '" + w + "'");
        }
        out.add(lower);
      }
      return out;
    }
  }
}
