package org.streambert.trainer.train;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.eval.ClassificationMetrics;
import org.streambert.trainer.eval.TypedSpan;
import org.streambert.trainer.eval.NerMetrics;

/**
 * Scores a {@link BertPredictor} on dev data the way a user of the streams app sees it: each classification text as is,
 * and the NER sentences as the texts of each {@link ServedText} asked for (tokenized, raw sentences, raw documents),
 * through the same tokenization, windows and aggregation; served entity spans must equal the gold spans exactly
 * ({@link NerText#goldSpans}).
 */
public final class ServedEvaluation {

  /** Texts per predict call: bounds the memory of one call on large dev sets. */
  static final int TEXTS_PER_CALL = 256;

  private ServedEvaluation() {}

  /**
   * @param classDev         classification dev examples (may be empty)
   * @param classLabels      the class labels
   * @param evaluatedClasses per classification example, the class id the model evaluation read (null: not compared)
   * @param nerDev           NER dev sentences (may be empty)
   */
  public static ServedMetrics evaluate(BertPredictor predictor, List<ClassificationExample> classDev,
      List<String> classLabels, int[] evaluatedClasses, List<NerSentence> nerDev) {
    return evaluate(predictor, classDev, classLabels, evaluatedClasses, nerDev, ServedText.TOKENIZED,
        Set.of(ServedText.TOKENIZED));
  }

  /**
   * @param primary the NER text whose figures are {@link ServedMetrics#ner()} (the dev score's)
   * @param texts   the NER texts to score (the primary one is added)
   */
  public static ServedMetrics evaluate(BertPredictor predictor, List<ClassificationExample> classDev,
      List<String> classLabels, int[] evaluatedClasses, List<NerSentence> nerDev, ServedText primary,
      Set<ServedText> texts) {
    int unservable = 0;
    ClassificationMetrics cls = null;
    int compared = 0;
    int agreeing = 0;
    if (!classDev.isEmpty()) {
      List<Prediction> predictions = predict(predictor, classDev.stream().map(ClassificationExample::text).toList());
      List<String> gold = new ArrayList<>();
      List<String> served = new ArrayList<>();
      for (int i = 0; i < classDev.size(); i++) {
        if (predictions.get(i) == null) {
          unservable++;
          continue;
        }
        String label = predictions.get(i).label().label();
        gold.add(classDev.get(i).label());
        served.add(label);
        if (evaluatedClasses != null) {
          compared++;
          agreeing += classLabels.get(evaluatedClasses[i]).equals(label) ? 1 : 0;
        }
      }
      cls = gold.isEmpty() ? null : ClassificationMetrics.evaluate(classLabels, gold, served);
    }
    Map<ServedText, NerMetrics> ner = new EnumMap<>(ServedText.class);
    if (!nerDev.isEmpty()) {
      Set<ServedText> all = java.util.EnumSet.of(primary);
      all.addAll(texts);
      for (ServedText kind : all) {
        List<GoldText> served = texts(nerDev, kind);
        List<List<TypedSpan>> gold = served.stream().map(GoldText::gold).toList();
        List<List<TypedSpan>> found = new ArrayList<>();
        int refused = 0;
        for (Prediction p : predict(predictor, served.stream().map(g -> g.text().text()).toList())) {
          if (p == null) {
            refused++; // its gold entities count as missed
            found.add(List.of());
          } else {
            found.add(p.entities().stream().map(e -> new TypedSpan(e.type(), e.start(), e.end())).toList());
          }
        }
        if (kind == primary) {
          unservable += refused;
        }
        ner.put(kind, NerMetrics.ofSpans(gold, found));
      }
    }
    if (cls == null && ner.isEmpty()) {
      return null;
    }
    return new ServedMetrics(cls, ner.get(primary), compared, agreeing, unservable, primary, ner);
  }

  /** A text to serve and its gold entity spans (code points). */
  public record GoldText(NerText text, List<TypedSpan> gold) {}

  /**
   * The texts a predictor is sent for {@code sentences} as {@code kind}, with their gold spans. A sentence that has a
   * raw text of its own ({@link NerSentence#text()}) is sent as that under every kind.
   */
  public static List<GoldText> texts(List<NerSentence> sentences, ServedText kind) {
    List<GoldText> texts = new ArrayList<>();
    if (kind == ServedText.DOCUMENTS) {
      documents(sentences, texts);
      return texts;
    }
    for (NerSentence sentence : sentences) {
      NerText text = kind == ServedText.RAW && sentence.text() == null ? NerText.raw(sentence) : NerText.of(sentence);
      texts.add(new GoldText(text, text.goldSpans(sentence.tags())));
    }
    return texts;
  }

  /**
   * One text per document: its sentences (consecutive in {@code sentences} with the same document), detokenized and
   * joined by single spaces; a sentence without a document is a text of its own.
   */
  private static void documents(List<NerSentence> sentences, List<GoldText> texts) {
    for (int from = 0, to; from < sentences.size(); from = to) {
      to = from + 1;
      NerSentence.Document document = sentences.get(from).document();
      while (document != null && to < sentences.size() && sentences.get(to).document() == document) {
        to++;
      }
      StringBuilder text = new StringBuilder();
      List<Integer> starts = new ArrayList<>();
      List<Integer> ends = new ArrayList<>();
      List<String> tags = new ArrayList<>();
      int offset = 0;
      for (int i = from; i < to; i++) {
        NerText sentence = sentences.get(i).text() == null ? NerText.raw(sentences.get(i))
            : NerText.of(sentences.get(i));
        if (i > from) {
          text.append(' ');
          offset++;
        }
        text.append(sentence.text());
        for (int t = 0; t < sentence.tokenStarts().length; t++) {
          starts.add(offset + sentence.tokenStarts()[t]);
          ends.add(offset + sentence.tokenEnds()[t]);
        }
        tags.addAll(sentences.get(i).tags());
        offset += sentence.text().codePointCount(0, sentence.text().length());
      }
      NerText doc = NerText.of(text.toString(), starts.stream().mapToInt(Integer::intValue).toArray(),
          ends.stream().mapToInt(Integer::intValue).toArray(), tags);
      List<TypedSpan> spans = new ArrayList<>();
      int firstToken = 0;
      for (int i = from; i < to; i++) { // entities never cross a sentence boundary
        spans.addAll(doc.goldSpans(sentences.get(i).tags(), firstToken));
        firstToken += sentences.get(i).size();
      }
      texts.add(new GoldText(doc, spans));
    }
  }

  /**
   * Predictions in input order, null for a text the predictor refuses (blank, or no word piece; the app dead-letters
   * those). A refused text fails its whole call, so that call is retried text by text.
   */
  private static List<Prediction> predict(BertPredictor predictor, List<String> texts) {
    List<Prediction> out = new ArrayList<>(texts.size());
    for (int from = 0; from < texts.size(); from += TEXTS_PER_CALL) {
      List<String> chunk = texts.subList(from, Math.min(from + TEXTS_PER_CALL, texts.size()));
      try {
        out.addAll(predictor.predict(chunk));
      } catch (IllegalArgumentException refused) {
        for (String text : chunk) {
          try {
            out.add(predictor.predict(text));
          } catch (IllegalArgumentException e) {
            out.add(null);
          }
        }
      }
    }
    return out;
  }
}
