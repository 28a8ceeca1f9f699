package org.streambert.trainer.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Synthetic, template-generated training data for tests and the embedded demo: English news-like sentences with
 * PER/LOC/ORG entities (NER, IOB2) and short texts of three topics ({@code politics}, {@code sports},
 * {@code tech}). Deterministic: the same seed gives the same data. The entity and filler word lists are closed, so a
 * vocabulary built from any generated sample covers every other sample.
 */
public final class DemoData {

  /** The topic labels of {@link #classification}. */
  public static final List<String> TOPICS = List.of("politics", "sports", "tech");
  /** The entity types of {@link #ner}. */
  public static final List<String> ENTITY_TYPES = List.of("LOC", "ORG", "PER");

  /** File names written by {@link #write}. */
  public static final String NER_TRAIN = "ner-train.conll";
  public static final String NER_DEV = "ner-dev.conll";
  public static final String TOPICS_TRAIN = "topics-train.tsv";
  public static final String TOPICS_DEV = "topics-dev.tsv";

  private static final List<String> FIRST_NAMES = List.of("Alice", "Bob", "Carol", "David", "Emma", "Frank",
      "Grace", "Henry", "Irene", "Jack", "Karen", "Liam", "Maria", "Noah", "Olivia", "Peter");
  private static final List<String> LAST_NAMES = List.of("Smith", "Jones", "Brown", "Miller", "Davis", "Garcia",
      "Wilson", "Taylor", "Moore", "Clark");
  private static final List<String> LOCATIONS = List.of("Paris", "London", "Berlin", "Madrid", "Rome", "Tokyo",
      "New York", "San Francisco", "Vienna", "Lisbon", "Buenos Aires", "Oslo");
  private static final List<String> ORGANISATIONS = List.of("Google", "Acme Corp", "United Nations", "Siemens",
      "Red Cross", "Microsoft", "Deutsche Bank", "Reuters", "Airbus", "World Bank");
  private static final List<String> DAYS = List.of("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
      "Saturday", "Sunday");

  private static final List<String> NER_TEMPLATES = List.of(
      "{PER} visited {LOC} on {DAY} .",
      "{PER} works for {ORG} in {LOC} .",
      "{ORG} opened a new office in {LOC} .",
      "{PER} met {PER} at the {ORG} headquarters .",
      "On {DAY} , {PER} flew from {LOC} to {LOC} .",
      "{ORG} hired {PER} last year .",
      "The mayor of {LOC} praised {ORG} on {DAY} .",
      "{PER} said that {ORG} will expand in {LOC} .",
      "A spokesperson for {ORG} confirmed the deal with {ORG} .",
      "{PER} moved to {LOC} after leaving {ORG} .");

  private static final List<List<String>> TOPIC_TEMPLATES = List.of(
      List.of( // politics
          "The parliament in {LOC} passed the new budget on {DAY}",
          "{PER} announced a campaign for the presidential election",
          "The minister met {PER} to discuss the trade agreement",
          "Voters in {LOC} elected a new mayor on {DAY}",
          "The senate debated the tax reform bill for hours",
          "{PER} resigned from the government after the vote",
          "The opposition party criticised the new immigration law"),
      List.of( // sports
          "{PER} scored two goals as {LOC} won the match on {DAY}",
          "The coach praised the players after the cup final",
          "{PER} won the tennis tournament in {LOC}",
          "The championship game in {LOC} went to overtime",
          "{PER} broke the marathon record in {LOC} on {DAY}",
          "The team signed a new striker before the season",
          "Fans celebrated the victory of the national football team"),
      List.of( // tech
          "{ORG} released a new smartphone with a faster processor",
          "{PER} presented the latest software update at {ORG}",
          "Engineers at {ORG} built an AI model for translation",
          "The startup in {LOC} launched a cloud computing platform",
          "{ORG} fixed a security bug in its browser on {DAY}",
          "The new laptop has a brighter screen and longer battery life",
          "Developers can now download the open source database"));

  private DemoData() {}

  /** {@code n} tagged news sentences; each contains at least one entity. */
  public static List<NerSentence> ner(int n, long seed) {
    return ner(n, seed, false);
  }

  /**
   * {@code n} tagged sentences; with {@code withTopicSentences}, half of them are topic texts, so that a model
   * trained on both tasks also sees the topic words tagged O and does not take them for entities.
   */
  public static List<NerSentence> ner(int n, long seed, boolean withTopicSentences) {
    Random random = new Random(seed);
    List<NerSentence> sentences = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      List<String> tokens = new ArrayList<>();
      List<String> tags = new ArrayList<>();
      for (String slot : nerTemplate(random, withTopicSentences).split(" ")) {
        switch (slot) {
          case "{PER}" -> add(tokens, tags, person(random), "PER");
          case "{LOC}" -> add(tokens, tags, pick(random, LOCATIONS), "LOC");
          case "{ORG}" -> add(tokens, tags, pick(random, ORGANISATIONS), "ORG");
          case "{DAY}" -> add(tokens, tags, pick(random, DAYS), null);
          default -> add(tokens, tags, slot, null);
        }
      }
      sentences.add(new NerSentence(tokens, tags));
    }
    return sentences;
  }

  /** A template for a tagged sentence: a news sentence, or with {@code topics} half the time a topic text. */
  private static String nerTemplate(Random random, boolean topics) {
    if (topics && random.nextBoolean()) {
      List<String> topic = TOPIC_TEMPLATES.get(random.nextInt(TOPIC_TEMPLATES.size()));
      return topic.get(random.nextInt(topic.size()));
    }
    return NER_TEMPLATES.get(random.nextInt(NER_TEMPLATES.size()));
  }

  /** {@code n} topic-labelled texts, labels drawn uniformly from {@link #TOPICS}. */
  public static List<ClassificationExample> classification(int n, long seed) {
    Random random = new Random(seed);
    List<ClassificationExample> examples = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int topic = random.nextInt(TOPICS.size());
      List<String> templates = TOPIC_TEMPLATES.get(topic);
      String text = fill(templates.get(random.nextInt(templates.size())), random);
      examples.add(new ClassificationExample(text, TOPICS.get(topic)));
    }
    return examples;
  }

  /**
   * Writes {@link #NER_TRAIN}, {@link #NER_DEV} (CoNLL, IOB2) and {@link #TOPICS_TRAIN}, {@link #TOPICS_DEV} (TSV
   * {@code text<TAB>label}) into {@code dir} (created if missing). Train and dev use different seeds; the NER files
   * include topic sentences ({@link #ner(int, long, boolean)}), as the demo trains both tasks on one encoder.
   */
  public static void write(Path dir, int trainSize, int devSize, long seed) {
    try {
      Files.createDirectories(dir);
      writeConll(dir.resolve(NER_TRAIN), ner(trainSize, seed, true));
      writeConll(dir.resolve(NER_DEV), ner(devSize, seed + 1_000_003L, true));
      writeTsv(dir.resolve(TOPICS_TRAIN), classification(trainSize, seed + 2));
      writeTsv(dir.resolve(TOPICS_DEV), classification(devSize, seed + 2_000_003L));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write demo data to " + dir, e);
    }
  }

  /** Writes sentences as CoNLL: {@code word TAB tag} lines, a blank line after each sentence. */
  public static void writeConll(Path file, List<NerSentence> sentences) throws IOException {
    StringBuilder s = new StringBuilder();
    for (NerSentence sentence : sentences) {
      for (int i = 0; i < sentence.size(); i++) {
        s.append(sentence.tokens().get(i)).append('\t').append(sentence.tags().get(i)).append('\n');
      }
      s.append('\n');
    }
    Files.writeString(file, s, StandardCharsets.UTF_8);
  }

  /** Writes examples as TSV {@code text TAB label}, one per line. */
  public static void writeTsv(Path file, List<ClassificationExample> examples) throws IOException {
    StringBuilder s = new StringBuilder();
    for (ClassificationExample e : examples) {
      s.append(e.text()).append('\t').append(e.label()).append('\n');
    }
    Files.writeString(file, s, StandardCharsets.UTF_8);
  }

  private static String fill(String template, Random random) {
    StringBuilder out = new StringBuilder();
    for (String slot : template.split(" ")) {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(switch (slot) {
        case "{PER}" -> person(random);
        case "{LOC}" -> pick(random, LOCATIONS);
        case "{ORG}" -> pick(random, ORGANISATIONS);
        case "{DAY}" -> pick(random, DAYS);
        default -> slot;
      });
    }
    return out.toString();
  }

  private static String person(Random random) {
    String first = pick(random, FIRST_NAMES);
    return random.nextBoolean() ? first + " " + pick(random, LAST_NAMES) : first;
  }

  private static String pick(Random random, List<String> values) {
    return values.get(random.nextInt(values.size()));
  }

  private static void add(List<String> tokens, List<String> tags, String phrase, String type) {
    String[] words = phrase.split(" ");
    for (int i = 0; i < words.length; i++) {
      tokens.add(words[i]);
      tags.add(type == null ? LabelSets.OUTSIDE : (i == 0 ? "B-" : "I-") + type);
    }
  }
}
