package org.streambert.trainer.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.streambert.bert.tokenizer.TextWords;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.signing.TrustedKeys;

/**
 * Reads a topic of {@link TrainingExample} records (keyed by example id) as training data: every partition from the
 * beginning up to the end offsets it has when the read starts, so labels collected from the stream become a fixed
 * dataset (records produced meanwhile are left for the next run). No consumer group is used and no offset committed.
 *
 * <p>A record with a {@code label} becomes a classification example; one with non-null {@code entities} becomes a NER
 * sentence that keeps its raw text: the text is split into the words serving aggregates on ({@link TextWords}), and
 * every word overlapping an entity span gets {@code B-TYPE} (first such word) or {@code I-TYPE}, except punctuation and
 * clitics at the span's edges ({@code "Barcelona,"} marked as an entity still trains {@code Barcelona} alone, as it is
 * served). A later record
 * with the same key replaces an earlier one (the topic is a changelog of examples); a tombstone deletes it.
 */
public final class KafkaExampleSource {

  /**
   * The examples read, in first-seen key order.
   *
   * @param refused records refused by the labeller-key check (unsigned, untrusted or tampered; tombstones)
   */
  public record Examples(List<ClassificationExample> classification, List<NerSentence> ner, long recordsRead,
      long refused) {

    public Examples(List<ClassificationExample> classification, List<NerSentence> ner, long recordsRead) {
      this(classification, ner, recordsRead, 0);
    }
  }

  private KafkaExampleSource() {}

  /**
   * Reads {@code topic} to its current end.
   *
   * @param bootstrapServers Kafka bootstrap servers
   * @param schemaRegistryUrl registry URL for the Avro deserializer ({@code mock://scope} or http(s))
   */
  public static Examples read(String bootstrapServers, String schemaRegistryUrl, String topic) {
    return read(KafkaClients.of(bootstrapServers, schemaRegistryUrl), topic);
  }

  /** {@link #read(String, String, String)} with the clients' settings (a secured cluster and registry). */
  public static Examples read(KafkaClients clients, String topic) {
    return read(clients, topic, TrustedKeys.none());
  }

  /**
   * {@link #read(KafkaClients, String)} keeping only examples signed by one of {@code labellers} (none: every
   * example): the others, and tombstones, are refused and counted, so a writer without a labeller key can neither add
   * nor delete training data.
   */
  public static Examples read(KafkaClients clients, String topic, TrustedKeys labellers) {
    SpecificAvroSerde<TrainingExample> serde = new SpecificAvroSerde<>(TrainingExample.class);
    serde.configure(clients.serdeConfigs(), false);
    Map<String, TrainingExample> byKey = new java.util.LinkedHashMap<>();
    long[] refused = new long[1];
    long records = TopicSnapshot.read(clients, topic, new StringDeserializer(), serde.deserializer(), r -> {
      String key = r.key() != null ? r.key() : new TopicPartition(r.topic(), r.partition()) + "@" + r.offset();
      if (!labellers.isEmpty() && (r.value() == null || labellers.check(r.value()) != null)) {
        refused[0]++;
      } else if (r.value() == null) {
        byKey.remove(key);
      } else {
        byKey.put(key, r.value());
      }
    });
    Examples examples = of(byKey.values());
    return new Examples(examples.classification(), examples.ner(), records, refused[0]);
  }

  /**
   * The classification examples and NER sentences of {@code examples} (a record may give both; blank texts are
   * skipped).
   *
   * @throws IllegalArgumentException when an entity span does not fit its text
   */
  public static Examples of(java.util.Collection<TrainingExample> examples) {
    List<ClassificationExample> classification = new ArrayList<>();
    List<NerSentence> ner = new ArrayList<>();
    for (TrainingExample e : examples) {
      String text = e.getText().strip().isEmpty() ? null : e.getText();
      if (text == null) {
        continue;
      }
      if (e.getLabel() != null && !e.getLabel().isBlank()) {
        classification.add(new ClassificationExample(text.strip(), e.getLabel().strip()));
      }
      if (e.getEntities() != null) {
        toSentence(e.getId(), text, e.getEntities()).ifPresent(ner::add);
      }
    }
    return new Examples(classification, ner, examples.size());
  }


  /** The classification examples as a dataset (refused when empty or single-class). */
  public static ClassificationDataset classificationDataset(String source, List<ClassificationExample> examples) {
    if (examples.isEmpty()) {
      throw new DatasetFormatException(source, DatasetFormatException.NO_LINE, "contains no classification examples");
    }
    List<String> labels = LabelSets.classLabels(examples.stream().map(ClassificationExample::label).toList());
    if (labels.size() < 2) {
      throw new DatasetFormatException(source, DatasetFormatException.NO_LINE,
          "every example has the label '" + labels.get(0) + "'; classification needs at least two labels");
    }
    return new ClassificationDataset(source, examples, labels);
  }

  /** The NER sentences as a dataset (refused when empty or without any entity). */
  public static NerDataset nerDataset(String source, List<NerSentence> sentences) {
    TreeSet<String> types = new TreeSet<>();
    for (NerSentence s : sentences) {
      for (String tag : s.tags()) {
        if (!tag.equals(LabelSets.OUTSIDE)) {
          types.add(tag.substring(2));
        }
      }
    }
    if (sentences.isEmpty() || types.isEmpty()) {
      throw new DatasetFormatException(source, DatasetFormatException.NO_LINE,
          sentences.isEmpty() ? "contains no NER examples" : "contains no entities");
    }
    return new NerDataset(source, TagScheme.IOB2, sentences, LabelSets.nerLabels(types));
  }

  /** The serving words of {@code text} ({@link TextWords}), tagged from the entity spans; the text is kept. */
  static java.util.Optional<NerSentence> toSentence(String id, String text, List<EntitySpan> spans) {
    int[] cps = text.codePoints().toArray();
    TextWords words = TextWords.of(text);
    if (words.size() == 0) {
      return java.util.Optional.empty();
    }
    List<String> tokens = new ArrayList<>(words.size());
    for (int w = 0; w < words.size(); w++) {
      tokens.add(new String(cps, words.start(w), words.end(w) - words.start(w)));
    }
    List<String> tags = new ArrayList<>(java.util.Collections.nCopies(words.size(), LabelSets.OUTSIDE));
    for (EntitySpan span : spans) {
      if (span.getStart() < 0 || span.getEnd() > cps.length || span.getEnd() <= span.getStart()
          || span.getType() == null || span.getType().isBlank()) {
        throw new IllegalArgumentException("training example '" + id + "': invalid entity span " + span
            + " for a text of " + cps.length + " code points");
      }
      int first = -1;
      int last = -1;
      for (int w = 0; w < words.size(); w++) {
        if (words.start(w) < span.getEnd() && words.end(w) > span.getStart()) {
          first = first < 0 ? w : first;
          last = w;
        }
      }
      while (first >= 0 && first < last && words.isPunctuationOrClitic(first)) {
        first++;
      }
      while (last > first && words.isPunctuationOrClitic(last)) {
        last--;
      }
      for (int w = first; w >= 0 && w <= last; w++) {
        tags.set(w, (w == first ? "B-" : "I-") + span.getType());
      }
    }
    return java.util.Optional.of(new NerSentence(tokens, tags, text, null, -1));
  }
}
