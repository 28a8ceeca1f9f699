package org.streambert.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.trainer.train.Feature;

/**
 * The training word unit is the serving one in every script ({@code TextWords}): a labelled example from Kafka in
 * Chinese is tagged per character, Arabic punctuation is a word that takes no entity tag, and the NER feature labels
 * the first piece of each such word.
 */
class MultilingualTrainingWordsTest {

  @Test
  void shouldTagEachIdeographOfAChineseEntityAndLeaveFullWidthPunctuationOutside() {
    NerSentence s = KafkaExampleSource.toSentence("zh", "我住在北京。", List.of(new EntitySpan("LOC", 3, 5)))
        .orElseThrow();
    assertEquals(List.of("我", "住", "在", "北", "京", "。"), s.tokens());
    assertEquals(List.of("O", "O", "O", "B-LOC", "I-LOC", "O"), s.tags());
  }

  @Test
  void shouldSplitArabicPunctuationOffTheTaggedWords() {
    // "زرت القاهرة، ثم دبي؟": القاهرة = [4, 11), دبي = [16, 19)
    NerSentence s = KafkaExampleSource.toSentence("ar", "زرت القاهرة، ثم دبي؟",
        List.of(new EntitySpan("LOC", 4, 11), new EntitySpan("LOC", 16, 19))).orElseThrow();
    assertEquals(List.of("زرت", "القاهرة", "،", "ثم", "دبي", "؟"), s.tokens());
    assertEquals(List.of("O", "B-LOC", "O", "O", "B-LOC", "O"), s.tags());
  }

  @Test
  void shouldLabelTheFirstPieceOfEveryCharacterWordInTheFeature() {
    WordPieceTokenizer tokenizer = new WordPieceTokenizer(Vocab.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]",
        "[MASK]", "我", "住", "在", "北", "京", "。")), false);
    Map<String, Integer> index = LabelSets.index(LabelSets.nerLabels(List.of("LOC")));
    NerSentence s = KafkaExampleSource.toSentence("zh", "我住在北京。", List.of(new EntitySpan("LOC", 3, 5)))
        .orElseThrow();
    Feature f = Feature.ner(tokenizer, s, index, 32);
    int o = index.get("O");
    int x = Feature.IGNORED;
    assertArrayEquals(new int[] {2, 5, 6, 7, 8, 9, 10, 3}, f.ids());
    assertArrayEquals(new int[] {x, o, o, o, index.get("B-LOC"), index.get("I-LOC"), o, x}, f.tokenLabels());
  }
}
