package org.streambert.bert.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A deterministic (seeded) corpus of varied texts for tokenizer parity tests: English sentences built from
 * vocabulary words in random casing, and fragments stressing each normalisation rule (accents and case
 * expansions, CJK, emoji and other astral chars, controls, zero-width and private-use chars, long words,
 * punctuation runs, mixed scripts, combining sequences, numbers, empty and whitespace-only strings, random code
 * points from every plane).
 */
final class ParityCorpus {

  private static final String[] ACCENTED = {
    "é", "É", "ñ", "Ñ", "ü", "Ü", "Å", "å", "İ", "ı", "ß", "ẞ", "ø", "Ø", "æ", "Œ", "ç", "ğ", "ş", "ł", "Ł", "đ",
    "ǅ", "ǆ", "ﬁ", "ﬀ", "Ω", "Ω", "Å", "K", "ŉ", "ǰ", "ΐ", "ẖ", "e\u0301", "a\u0308", "o\u0302\u0323",
    "a\u0316\u0301", "n\u0303\u0303", "\u0301", "\u0344", "Ǆ", "Ά", "ώ", "ἄ", "ῼ", "ᾳ"
  };
  private static final String[] WORDS_OTHER_SCRIPTS = {
    "Москва", "привет", "ЁЛКА", "ΟΔΟΣ", "Σίσυφος", "ΣΊΣΥΦΟΣ", "λόγος", "مرحبا", "السَّلَامُ", "नमस्ते", "हिन्दी",
    "ภาษาไทย", "สวัสดี", "שָׁלוֹם", "한국어", "안녕하세요", "ひらがな", "カタカナ", "ｶﾀｶﾅ", "Ｆｕｌｌｗｉｄｔｈ", "ኢትዮጵያ",
    "ᏣᎳᎩ", "ქართული", "Հայերեն", "ᠮᠣᠩᠭᠣᠯ", "ꦗꦮ", "𐐷𐐸", "𐐏𐐐", "Ǳ", "ǲ"
  };
  private static final String[] CJK = {
    "中", "文", "字", "日本語", "漢字", "汉字", "豈", "更", "𠀀", "𠀋", "𪚲", "𫝀", "𫠝", "𫠠", "𬺰", "𮯠", "丽",
    "㐀", "䶵", "〇", "〆", "々", "。", "、", "「", "」", "・"
  };
  private static final String[] ASTRAL = {
    "😀", "🥰", "👍🏽", "👩‍💻", "🇫🇷", "🏳️‍🌈", "𝐀", "𝔘", "𝟘", "𓀀", "𐍈", "🀄", "🂡", "\uD834\uDD1E",
    "\uD834\uDD60", "\uD834\uDD65\uD834\uDD6D", "\uD834\uDD6D\uD834\uDD65", "𑀓", "🤖", "🫠", "🧑🏿‍🦱"
  };
  private static final String[] INVISIBLE = {
    "\u0000", "\u0001", "\u0007", "\u0008", "\u000B", "\u000C", "\u001C", "\u001F", "\u007F", "\u0085", "\u009F",
    "\u00AD", "\u200B", "\u200C", "\u200D", "\u200E", "\u202E", "\u2060", "\uFEFF", "\uFFFD", "\uE000", "\uF8FF",
    "\uDB80\uDC00", "\u034F", "\u180E", "\u2028", "\u2029", "\u00A0", "\u3000", "\u2003", "\u202F", "\t", "\n",
    "\r", "\r\n"
  };
  private static final String[] PUNCT = {
    ".", ",", "!", "?", ";", ":", "'", "\"", "(", ")", "[", "]", "{", "}", "-", "--", "—", "–", "…", "...", "!!!",
    "?!", "«", "»", "„", "“", "”", "‘", "’", "¿", "¡", "§", "¶", "·", "•", "@", "#", "$", "%", "^", "&", "*", "_",
    "+", "=", "<", ">", "/", "\\", "|", "~", "`", "€", "£", "¥", "©", "®", "™", "°", "±", "×", "÷", "←", "→",
    "٪", "،", "।", "॥", "።", "〜", "﹏", "＿", "＂", "᠆", "‐", "⁅", "⸺", "꧁", "\u166D"
  };
  private static final String[] NUMBERS = {
    "0", "1", "42", "3.14", "1,000,000", "2nd", "42nd", "1990s", "+1-555-0100", "10%", "$5", "٣", "४२", "½", "²",
    "Ⅻ", "①", "１２３"
  };

  private ParityCorpus() {}

  /** {@code n} texts drawn with this seed; the same seed and vocabulary give the same texts. */
  static List<String> generate(Vocab vocab, long seed, int n) {
    List<String> words = new ArrayList<>();
    for (String t : vocab.tokens()) {
      if (!t.startsWith("##") && !t.startsWith("[") && t.codePoints().allMatch(Character::isLetter)) {
        words.add(t);
      }
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<String> texts = new ArrayList<>(n + 4);
    texts.add("");
    texts.add(" ");
    texts.add(" \t\n\r\u00A0\u3000 ");
    texts.add("\u0000\u200B\uFEFF");
    while (texts.size() < n) {
      texts.add(text(random, words));
    }
    return texts;
  }

  private static String text(SplittableRandom r, List<String> words) {
    StringBuilder sb = new StringBuilder();
    int kind = r.nextInt(10);
    int parts = 1 + r.nextInt(kind == 0 ? 40 : 18);
    for (int i = 0; i < parts; i++) {
      if (i > 0) {
        sb.append(r.nextInt(8) == 0 ? pick(r, INVISIBLE) : r.nextInt(10) == 0 ? "" : " ");
      }
      int p = r.nextInt(kind < 4 ? 40 : 100);
      if (p < 20 || kind < 4 && p < 36) {
        sb.append(casing(r, pick(r, words)));
      } else if (p < 40) {
        sb.append(pick(r, PUNCT));
      } else if (p < 48) {
        // a word with an accent or case-expanding char inside it
        String w = casing(r, pick(r, words));
        int at = r.nextInt(w.length() + 1);
        sb.append(w, 0, at).append(pick(r, ACCENTED)).append(w, at, w.length());
      } else if (p < 54) {
        sb.append(pick(r, WORDS_OTHER_SCRIPTS));
      } else if (p < 60) {
        sb.append(pick(r, CJK));
      } else if (p < 66) {
        sb.append(pick(r, ASTRAL));
      } else if (p < 72) {
        // an invisible char inside a word
        String w = casing(r, pick(r, words));
        int at = r.nextInt(w.length() + 1);
        sb.append(w, 0, at).append(pick(r, INVISIBLE)).append(w, at, w.length());
      } else if (p < 78) {
        sb.append(pick(r, NUMBERS));
      } else if (p < 81) {
        sb.append(longWord(r, words));
      } else if (p < 90) {
        sb.appendCodePoint(randomCodePoint(r));
      } else if (p < 95) {
        // a run of random code points glued to a word
        sb.append(casing(r, pick(r, words)));
        for (int k = r.nextInt(1, 4); k > 0; k--) {
          sb.appendCodePoint(randomCodePoint(r));
        }
      } else {
        sb.append(pick(r, ACCENTED)).append(pick(r, ACCENTED));
      }
    }
    return sb.toString();
  }

  /** Words of 90..260 chars, around the 200-char limit (and HF's default 100). */
  private static String longWord(SplittableRandom r, List<String> words) {
    int target = r.nextInt(90, 261);
    StringBuilder w = new StringBuilder();
    while (w.length() < target) {
      w.append(r.nextInt(6) == 0 ? pick(r, ACCENTED) : pick(r, words));
    }
    return w.substring(0, Character.isHighSurrogate(w.charAt(target - 1)) ? target - 1 : target);
  }

  /** A code point anywhere: mostly BMP, sometimes astral planes 1, 2, 14-16; never a surrogate. */
  private static int randomCodePoint(SplittableRandom r) {
    int bucket = r.nextInt(10);
    int cp;
    if (bucket < 3) {
      cp = r.nextInt(0x80, 0x3000);
    } else if (bucket < 6) {
      cp = r.nextInt(0x80, 0x10000);
    } else if (bucket < 8) {
      cp = r.nextInt(0x10000, 0x20000);
    } else if (bucket < 9) {
      cp = r.nextInt(0x20000, 0x32000);
    } else {
      cp = r.nextInt(0xE0000, 0x110000);
    }
    return Character.isSurrogate((char) cp) && cp < 0x10000 ? 'x' : cp;
  }

  private static String casing(SplittableRandom r, String w) {
    switch (r.nextInt(6)) {
      case 0:
        return w.toUpperCase(java.util.Locale.ROOT);
      case 1:
        return w.isEmpty() ? w : w.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + w.substring(1);
      default:
        return w;
    }
  }

  private static <T> T pick(SplittableRandom r, List<T> list) {
    return list.get(r.nextInt(list.size()));
  }

  private static String pick(SplittableRandom r, String[] list) {
    return list[r.nextInt(list.length)];
  }
}
