package org.streambert.streams.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.streambert.bert.qa.BertQa;
import org.streambert.bert.qa.QaAnswer;
import org.streambert.bert.qa.QaOptions;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.weights.GoogleCheckpoint;

/**
 * The question-answering model of {@code nlp.qa.model.dir}: a checkpoint directory written by {@code trainer
 * fine-tune-squad} (encoder and {@code cls/squad/*} span head), served with {@link BertQa}. Loaded once at start; the
 * {@link org.streambert.streams.NlpService} (or the test) that creates it closes it after the streams are closed.
 *
 * <p>Casing and windowing come from the directory's {@value #SETTINGS_FILE} when present (fine-tune-squad writes it),
 * else lower-casing when the directory's path contains "uncased" and run_squad.py's defaults scaled down to the
 * model's positions.
 */
public final class QaModel implements AutoCloseable {
  /** The settings file fine-tune-squad writes next to the checkpoint. */
  public static final String SETTINGS_FILE = "qa.json";

  private final BertQa qa;
  private final String version;

  private QaModel(BertQa qa, String version) {
    this.qa = qa;
    this.version = version;
  }

  /**
   * Loads the checkpoint in {@code dir}.
   *
   * @throws IllegalArgumentException when the directory is not a QA checkpoint (no vocabulary, no span head)
   */
  public static QaModel load(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("QA model directory " + dir + " does not exist");
    }
    try (GoogleCheckpoint ckpt = GoogleCheckpoint.open(dir)) {
      Path vocab = ckpt.vocab().orElseThrow(() -> new IllegalArgumentException("QA checkpoint " + dir + " has no "
          + GoogleCheckpoint.VOCAB_FILE));
      boolean lower = dir.toAbsolutePath().toString().toLowerCase(Locale.ROOT).contains("uncased");
      int positions = ckpt.config().maxPositionEmbeddings();
      // run_squad.py's defaults, scaled down for a model with fewer positions (384 / 128 / 64 at full size)
      int length = Math.min(QaOptions.DEFAULT_MAX_SEQ_LENGTH, positions);
      QaOptions options = new QaOptions(length, Math.min(QaOptions.DEFAULT_DOC_STRIDE, Math.max(1, length / 3)),
          Math.min(QaOptions.DEFAULT_MAX_QUERY_LENGTH, Math.max(1, length / 6)), QaOptions.DEFAULT_N_BEST_SIZE,
          QaOptions.DEFAULT_MAX_ANSWER_LENGTH);
      Path settings = dir.resolve(SETTINGS_FILE);
      if (Files.exists(settings)) {
        JsonNode s = new ObjectMapper().readTree(settings.toFile());
        lower = s.path("doLowerCase").asBoolean(lower);
        options = new QaOptions(s.path("maxSeqLength").asInt(options.maxSeqLength()),
            s.path("docStride").asInt(options.docStride()), s.path("maxQueryLength").asInt(options.maxQueryLength()),
            s.path("nBestSize").asInt(options.nBestSize()), s.path("maxAnswerLength").asInt(options.maxAnswerLength()));
      }
      BertQa qa = BertQa.create(ckpt.config(), ckpt, WordPieceTokenizer.fromVocabFile(vocab, lower), options);
      return new QaModel(qa, dir.getFileName().toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load the QA model in " + dir, e);
    }
  }

  /** Name of the checkpoint directory, used as the QA model's version in logs. */
  public String version() {
    return version;
  }

  /**
   * The best answer span of each question about its context, in request order; empty for a context without tokens.
   * Synchronized: stream threads share the one model.
   */
  public synchronized List<Optional<QaAnswer>> answerAll(List<BertQa.Request> requests) {
    List<Optional<QaAnswer>> best = new ArrayList<>(requests.size());
    for (List<QaAnswer> answers : qa.answerAll(requests)) {
      best.add(answers.isEmpty() ? Optional.empty() : Optional.of(answers.get(0)));
    }
    return best;
  }

  @Override
  public synchronized void close() {
    qa.close();
  }
}
