package org.streambert.bert.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.TextTokenizers;
import org.streambert.bert.tokenizer.TextWords;
import org.streambert.bert.tokenizer.TinyTokenizerFiles;

/**
 * The word unit ({@link TextWords}) in the scripts of XLM-R's languages, and served entities over a SentencePiece
 * Unigram tokenizer built in the test: spans in code points that never start or end on whitespace or split-off
 * punctuation, also in text written without spaces.
 */
class WordsInEveryLanguageTest {

  @TempDir
  Path dir;

  private static List<String> words(String text) {
    TextWords words = TextWords.of(text);
    int[] cps = text.codePoints().toArray();
    List<String> out = new ArrayList<>();
    for (int w = 0; w < words.size(); w++) {
      out.add(new String(cps, words.start(w), words.end(w) - words.start(w)));
    }
    return out;
  }

  private static List<String> punctuationWords(String text) {
    TextWords words = TextWords.of(text);
    int[] cps = text.codePoints().toArray();
    List<String> out = new ArrayList<>();
    for (int w = 0; w < words.size(); w++) {
      if (words.isPunctuationOrClitic(w)) {
        out.add(new String(cps, words.start(w), words.end(w) - words.start(w)));
      }
    }
    return out;
  }

  // --- what a word is, per script family ------------------------------------------------------------------------

  @Test
  void shouldMakeEveryHanIdeographAWordAndSplitFullWidthPunctuation() {
    assertEquals(List.of("我", "住", "在", "北", "京", "。"), words("我住在北京。"));
    assertEquals(List.of("你", "好", "，", "世", "界", "！"), words("你好，世界！"));
    assertEquals(List.of("「", "人", "民", "日", "报", "」", "、", "新", "华", "社"), words("「人民日报」、新华社"));
    assertEquals(List.of("。", "，", "！", "「", "」", "、"), punctuationWords("我。你，好！「人」、"));
  }

  @Test
  void shouldMakeEveryKanaACharacterWordKeepingProlongationAndIterationMarks() {
    assertEquals(List.of("東", "京", "タ", "ワー", "へ", "行", "っ", "た", "。"), words("東京タワーへ行った。"));
    assertEquals(List.of("人々", "が"), words("人々が"));
  }

  @Test
  void shouldKeepThaiCombiningVowelsAndToneMarksWithTheirBase() {
    // ที่ = ท + ี (mark) + ่ (tone mark): one word; ฯ (a letter, the abbreviation sign) is a word of its own.
    assertEquals(List.of("ที่", "ก", "รุ", "ง", "เ", "ท", "พ", "ฯ"), words("ที่กรุงเทพฯ"));
    assertEquals(List.of("ไ", "ป", "๚"), words("ไป๚"));
    assertEquals(List.of("๚"), punctuationWords("ไป๚"));
  }

  @Test
  void shouldSplitArabicCommaAndQuestionMarkButKeepDecimalSeparatorsInNumbers() {
    assertEquals(List.of("ذهبت", "إلى", "القاهرة", "،", "ثم", "دبي", "؟"), words("ذهبت إلى القاهرة، ثم دبي؟"));
    assertEquals(List.of("٣٫٥", "٪"), words("٣٫٥ ٪"));
    assertEquals(List.of("،", "؟"), punctuationWords("القاهرة، دبي؟"));
  }

  @Test
  void shouldSplitTheDevanagariDandaAndKeepVowelSignsInsideWords() {
    assertEquals(List.of("मैं", "दिल्ली", "में", "रहता", "हूँ", "।"), words("मैं दिल्ली में रहता हूँ।"));
    assertEquals(List.of("।", "॥"), punctuationWords("हूँ। हूँ॥"));
  }

  @Test
  void shouldLeaveSpacedScriptsAndMixedTextAsThePtbRulesSplitThem() {
    assertEquals(List.of("서울에", "갔다", "."), words("서울에 갔다."));
    assertEquals(List.of("Москва", ",", "Россия"), words("Москва, Россия"));
    assertEquals(List.of("iPhone", "手", "机"), words("iPhone手机"));
    assertEquals(List.of("Barcelona", ",", "l·l", "U.S."), words("Barcelona, l·l U.S."));
    assertEquals(List.of("Ελλάδα", ";"), words("Ελλάδα;"));
  }

  @Test
  void shouldNeverStartOrEndAWordOnWhitespace() {
    String text = " 東京\u3000 ذهبت،\u00A0ที่  हूँ। \t";
    TextWords words = TextWords.of(text);
    int[] cps = text.codePoints().toArray();
    assertTrue(words.size() > 0);
    for (int w = 0; w < words.size(); w++) {
      assertFalse(Character.isWhitespace(cps[words.start(w)]) || Character.isSpaceChar(cps[words.start(w)]));
      assertFalse(Character.isWhitespace(cps[words.end(w) - 1]) || Character.isSpaceChar(cps[words.end(w) - 1]));
    }
  }

  // --- served entities over a SentencePiece tokenizer -----------------------------------------------------------

  private static final List<String> LABELS = List.of("O", "B-LOC", "I-LOC", "B-PER", "I-PER");

  private static Map<String, Double> pieces() {
    Map<String, Double> p = new LinkedHashMap<>();
    for (String s : List.of("\u2581我", "住在", "北京", "。", "\u2581القاهرة", "،", "\u2581ثم", "\u2581دبي", "؟",
        "\u2581Paris", ",", "\u2581France", "\u2581in", "\u2581", "\u2581Jean", "-", "Luc")) {
      p.put(s, -1.0);
    }
    return p;
  }

  /** A model that tags the first piece of each listed entity word and says O elsewhere. */
  private BertPredictor predictor(Map<String, String> tags, AggregationStrategy strategy) throws IOException {
    Map<String, Double> pieces = pieces();
    List<String> byId = new ArrayList<>(List.of("<s>", "<pad>", "</s>", "<unk>"));
    byId.addAll(pieces.keySet());
    TextTokenizer tokenizer = TextTokenizers.load(TinyTokenizerFiles.write(dir.resolve("xlmr"),
        TinyTokenizerFiles.unigram(pieces, true)).getParent(), false);
    int k = LABELS.size();
    ScriptedForwardPass pass = new ScriptedForwardPass(0, -1, k, (id, position) -> {
      String tag = id < byId.size() ? tags.getOrDefault(byId.get(id), "O") : "O";
      float[] probs = new float[k];
      Arrays.fill(probs, 0.1f / (k - 1));
      probs[LABELS.indexOf(tag)] = 0.9f;
      return probs;
    });
    return BertPredictor.create(tokenizer, pass, null, new TokenClassificationHead("ner", LABELS),
        PredictorConfig.builder().aggregation(strategy).build());
  }

  private List<String> entities(String text, Map<String, String> tags, AggregationStrategy strategy)
      throws IOException {
    try (BertPredictor predictor = predictor(tags, strategy)) {
      return predictor.predict(text).entities().stream()
          .map(e -> e.type() + "[" + e.start() + "," + e.end() + ")" + e.text()).toList();
    }
  }

  @Test
  void shouldServeAPieceThatSpansSeveralIdeographsAsOneEntity() throws IOException {
    Map<String, String> tags = Map.of("北京", "B-LOC");
    for (AggregationStrategy s : AggregationStrategy.values()) {
      String type = s == AggregationStrategy.NONE ? "B-LOC" : "LOC"; // NONE: raw token labels, as HF
      assertEquals(List.of(type + "[3,5)北京"), entities("我住在北京。", tags, s), s.name());
    }
  }

  @Test
  void shouldKeepArabicPunctuationOutOfEntitySpans() throws IOException {
    // The model tags the comma and question mark I-LOC too: they are split-off punctuation, so the spans end before.
    Map<String, String> tags = Map.of("\u2581القاهرة", "B-LOC", "،", "I-LOC", "\u2581دبي", "B-LOC", "؟", "I-LOC");
    assertEquals(List.of("LOC[0,7)القاهرة", "LOC[12,15)دبي"),
        entities("القاهرة، ثم دبي؟", tags, AggregationStrategy.FIRST));
    assertEquals(List.of("LOC[0,7)القاهرة", "LOC[12,15)دبي"),
        entities("القاهرة، ثم دبي؟", tags, AggregationStrategy.SIMPLE));
  }

  @Test
  void shouldNotLetAMetaspacePieceSwallowTheSpaceBeforeIt() throws IOException {
    Map<String, String> tags = Map.of("\u2581Paris", "B-LOC", ",", "I-LOC", "\u2581France", "B-LOC",
        "\u2581Jean", "B-PER", "-", "I-PER", "Luc", "I-PER");
    assertEquals(List.of("PER[0,8)Jean-Luc", "LOC[13,18)Paris", "LOC[21,27)France"),
        entities("Jean-Luc in  Paris,  France", tags, AggregationStrategy.FIRST));
  }

  @Test
  void shouldBuildXlmRobertaInputsInThePredictor() throws IOException {
    Map<String, Double> pieces = pieces();
    int paris = 4 + new ArrayList<>(pieces.keySet()).indexOf("\u2581Paris");
    TextTokenizer tokenizer = TextTokenizers.load(TinyTokenizerFiles.write(dir.resolve("x"),
        TinyTokenizerFiles.unigram(pieces, true)).getParent(), false);
    ScriptedForwardPass pass = new ScriptedForwardPass(0, -1, LABELS.size(), (id, position) -> {
      float[] probs = new float[LABELS.size()];
      probs[0] = 1;
      return probs;
    });
    try (BertPredictor predictor = BertPredictor.create(tokenizer, pass, null,
        new TokenClassificationHead("ner", LABELS), PredictorConfig.builder().maxLength(8).build())) {
      predictor.predict(List.of("Paris", "Paris Paris"));
      ScriptedForwardPass.Call call = pass.calls().get(0);
      assertEquals(4, call.seqLen()); // <s> Paris Paris </s>
      assertArrayEquals(new int[] {0, paris, paris, 2, 0, paris, 2, TinyTokenizerFiles.PAD}, call.ids());
      assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 0}, call.mask());
    }
    assertTrue(pass.isClosed());
  }
}
