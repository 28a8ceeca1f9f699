package org.streambert.bert.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.streambert.bert.tokenizer.internals.UnicodeRules;
import org.streambert.bert.weights.EasyBertArtifact;

/**
 * Measures, for every non-ASCII code point, how Hugging Face's BERT normalizer classifies it (removed as a control,
 * isolated as punctuation, stripped as a non-spacing mark), and writes those classes as range tables to
 * {@code internals/HfCharTables.java}. HF takes these categories from the unicode_categories crate, whose tables are
 * older (Unicode 8) than any current JDK's, so measuring them is the only way to match HF on scripts encoded since.
 *
 * <p>Not a test: run it by hand when the reference (DJL / HF tokenizers) version changes, with the output path as
 * argument, e.g. {@code bert/src/main/java/org/streambert/bert/tokenizer/internals/HfCharTables.java}. Takes about a
 * minute.
 */
public final class HfCharTablesGenerator {

  private static final int BATCH = 4096;

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    Path dir = Files.createTempDirectory("hf-char-tables");
    BitSet removed = new BitSet();
    BitSet isolated = new BitSet();
    BitSet space = new BitSet();
    BitSet strippedUncased = new BitSet();
    try (HuggingFaceTokenizer cased = HfReference.open(HfReference.vocabFile(EasyBertArtifact.CASED), false,
            dir.resolve("cased"));
        HuggingFaceTokenizer uncased = HfReference.open(HfReference.vocabFile(EasyBertArtifact.UNCASED), true,
            dir.resolve("uncased"))) {
      long[] casedAbcd = cased.encode("abcd").getIds();
      long[] uncasedAbcd = uncased.encode("abcd").getIds();
      List<String> batch = new ArrayList<>(BATCH);
      List<Integer> cps = new ArrayList<>(BATCH);
      for (int cp = 0x80; cp <= Character.MAX_CODE_POINT; cp++) {
        if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
          continue;
        }
        batch.add("ab" + new String(Character.toChars(cp)) + "cd");
        cps.add(cp);
        if (batch.size() == BATCH || cp == Character.MAX_CODE_POINT) {
          ai.djl.huggingface.tokenizers.Encoding[] c = cased.batchEncode(batch);
          ai.djl.huggingface.tokenizers.Encoding[] u = uncased.batchEncode(batch);
          for (int i = 0; i < batch.size(); i++) {
            int x = cps.get(i);
            long words = Arrays.stream(c[i].getWordIds()).filter(w -> w >= 0).distinct().count();
            if (words == 3) {
              isolated.set(x);
            } else if (words == 2) {
              space.set(x);
            } else if (Arrays.equals(c[i].getIds(), casedAbcd)) {
              removed.set(x);
            }
            if (Arrays.equals(u[i].getIds(), uncasedAbcd)) {
              strippedUncased.set(x);
            }
          }
          batch.clear();
          cps.clear();
        }
      }
    }
    BitSet punct = new BitSet();
    BitSet mark = new BitSet();
    for (int cp = 0x80; cp <= Character.MAX_CODE_POINT; cp++) {
      if (isolated.get(cp) && !UnicodeRules.isChineseChar(cp)) {
        punct.set(cp);
      }
      String s = new String(Character.toChars(cp));
      boolean stable = cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE
          || Normalizer.isNormalized(s, Normalizer.Form.NFD);
      if (strippedUncased.get(cp) && !removed.get(cp) && stable) {
        mark.set(cp);
      }
    }
    for (int cp = 0x80; cp <= Character.MAX_CODE_POINT; cp++) {
      if (space.get(cp) != UnicodeRules.isWhitespace(cp)) {
        System.err.printf("whitespace differs at U+%04X%n", cp);
      }
    }
    StringBuilder src = new StringBuilder();
    src.append("package org.streambert.bert.tokenizer.internals;\n\n")
        .append("/**\n")
        .append(" * Character classes of Hugging Face tokenizers' BERT normalizer for non-ASCII code points, measured from\n")
        .append(" * HF itself by {@code HfCharTablesGenerator} (bert test sources); do not edit by hand. HF reads them from\n")
        .append(" * the unicode_categories crate (Unicode 8 era), so they differ from the JDK's categories for chars encoded\n")
        .append(" * or re-categorised since. Each table is sorted {@code [first, last]} pairs, inclusive.\n")
        .append(" */\n")
        .append("final class HfCharTables {\n\n  private HfCharTables() {}\n\n");
    table(src, "Removed by clean_text (HF {@code is_control}: categories Cc, Cf, Co, and U+FFFD).", "CONTROL",
        removed);
    table(src, "Isolated by the pre-tokenizer (HF {@code is_punctuation}: categories P*).", "PUNCTUATION", punct);
    table(src, "Dropped by strip_accents (category Mn), among chars that NFD leaves unchanged.", "NON_SPACING_MARK",
        mark);
    src.append("}\n");
    Files.writeString(out, src);
    System.out.printf("control %d, punctuation %d, non-spacing marks %d code points -> %s%n",
        removed.cardinality(), punct.cardinality(), mark.cardinality(), out);
  }

  private static void table(StringBuilder src, String doc, String name, BitSet set) {
    src.append("  /** ").append(doc).append(" */\n");
    src.append("  static final int[] ").append(name).append(" = {");
    int n = 0;
    for (int first = set.nextSetBit(0); first >= 0; ) {
      int last = set.nextClearBit(first) - 1;
      src.append(n++ % 6 == 0 ? "\n      " : " ").append(String.format("0x%04X, 0x%04X,", first, last));
      first = set.nextSetBit(last + 1);
    }
    src.append("\n  };\n\n");
  }
}
