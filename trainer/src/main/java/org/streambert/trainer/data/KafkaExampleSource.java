package org.streambert.trainer.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.TrainingExample;

/**
 * Reads a topic of {@link TrainingExample} records (keyed by example id) as training data: every partition from the
 * beginning up to the end offsets it has when the read starts, so labels collected from the stream become a fixed
 * dataset (records produced meanwhile are left for the next run). No consumer group is used and no offset committed.
 *
 * <p>A record with a {@code label} becomes a classification example; one with non-null {@code entities} becomes a NER
 * sentence: its text is split into words like BERT's basic tokenizer (whitespace, each punctuation character alone)
 * and every word overlapping an entity span gets {@code B-TYPE} (first such word) or {@code I-TYPE}. A later record
 * with the same key replaces an earlier one (the topic is a changelog of examples); a tombstone deletes it.
 */
public final class KafkaExampleSource {

  /** The examples read, in first-seen key order. */
  public record Examples(List<ClassificationExample> classification, List<NerSentence> ner, long recordsRead) {}

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
    SpecificAvroSerde<TrainingExample> serde = new SpecificAvroSerde<>(TrainingExample.class);
    serde.configure(clients.serdeConfigs(), false);
    Map<String, TrainingExample> byKey = new java.util.LinkedHashMap<>();
    long records = TopicSnapshot.read(clients, topic, new StringDeserializer(), serde.deserializer(), r -> {
      String key = r.key() != null ? r.key() : new TopicPartition(r.topic(), r.partition()) + "@" + r.offset();
      if (r.value() == null) {
        byKey.remove(key);
      } else {
        byKey.put(key, r.value());
      }
    });
    Examples examples = of(byKey.values());
    return new Examples(examples.classification(), examples.ner(), records);
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

  /** Words of {@code text} with code point spans, tagged from the entity spans. */
  static java.util.Optional<NerSentence> toSentence(String id, String text, List<EntitySpan> spans) {
    int[] cps = text.codePoints().toArray();
    List<String> words = new ArrayList<>();
    List<int[]> wordSpans = new ArrayList<>();
    int start = -1;
    for (int i = 0; i <= cps.length; i++) {
      boolean boundary = i == cps.length || Character.isWhitespace(cps[i]) || isPunctuation(cps[i]);
      if (boundary && start >= 0) {
        words.add(new String(cps, start, i - start));
        wordSpans.add(new int[] {start, i});
        start = -1;
      }
      if (i < cps.length && !Character.isWhitespace(cps[i])) {
        if (isPunctuation(cps[i])) {
          words.add(new String(cps, i, 1));
          wordSpans.add(new int[] {i, i + 1});
        } else if (start < 0) {
          start = i;
        }
      }
    }
    if (words.isEmpty()) {
      return java.util.Optional.empty();
    }
    List<String> tags = new ArrayList<>(java.util.Collections.nCopies(words.size(), LabelSets.OUTSIDE));
    for (EntitySpan span : spans) {
      if (span.getStart() < 0 || span.getEnd() > cps.length || span.getEnd() <= span.getStart()
          || span.getType() == null || span.getType().isBlank()) {
        throw new IllegalArgumentException("training example '" + id + "': invalid entity span " + span
            + " for a text of " + cps.length + " code points");
      }
      boolean first = true;
      for (int w = 0; w < words.size(); w++) {
        int[] ws = wordSpans.get(w);
        if (ws[0] < span.getEnd() && ws[1] > span.getStart()) {
          tags.set(w, (first ? "B-" : "I-") + span.getType());
          first = false;
        }
      }
    }
    return java.util.Optional.of(new NerSentence(words, tags));
  }

  // tokenization.py: _is_punctuation
  private static boolean isPunctuation(int cp) {
    if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
        || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
        || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
        || type == Character.OTHER_PUNCTUATION;
  }
}
