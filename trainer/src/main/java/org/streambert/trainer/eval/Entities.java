package org.streambert.trainer.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Extracts entities from IOB2 tag sequences exactly as conlleval.pl reads them, including sequences that
 * are not valid IOB2 (model predictions often are not).
 *
 * <p>conlleval.pl's rules for B/I/O tags (its {@code startOfChunk} / {@code endOfChunk}), with the tag
 * split at its first dash into prefix and type and an implicit {@code O} before and after the sentence:
 *
 * <ul>
 *   <li>a chunk starts at {@code B-X}; at {@code I-X} after {@code O}; and at {@code I-X} after a tag of
 *       another type (so {@code I-X} never silently joins an entity of type Y);
 *   <li>a chunk ends before {@code B-*}, before {@code O}, and before a tag of another type.
 * </ul>
 *
 * So {@code O I-PER I-PER} is one PER entity, and {@code B-PER I-LOC} is a PER entity followed by a LOC
 * entity.
 */
public final class Entities {

  private Entities() {}

  /**
   * The entities of one sentence, in order.
   *
   * @param tags {@code O}, {@code B-TYPE} or {@code I-TYPE} per token
   * @throws IllegalArgumentException naming the position of a tag that is none of these
   */
  public static List<TypedSpan> fromIob2(List<String> tags) {
    List<TypedSpan> entities = new ArrayList<>();
    char prevPrefix = 'O';
    String prevType = "";
    int start = -1;
    for (int i = 0; i <= tags.size(); i++) {
      char prefix;
      String type;
      if (i == tags.size()) {
        prefix = 'O';
        type = "";
      } else {
        String tag = tags.get(i);
        prefix = prefixOf(tag, i);
        type = prefix == 'O' ? "" : tag.substring(2);
      }
      if (start >= 0 && endOfChunk(prevPrefix, prefix, prevType, type)) {
        entities.add(new TypedSpan(prevType, start, i));
        start = -1;
      }
      if (startOfChunk(prevPrefix, prefix, prevType, type)) {
        start = i;
      }
      prevPrefix = prefix;
      prevType = type;
    }
    return entities;
  }

  // conlleval.pl: endOfChunk, restricted to the B/I/O alphabet.
  static boolean endOfChunk(char prevPrefix, char prefix, String prevType, String type) {
    if ((prevPrefix == 'B' || prevPrefix == 'I') && (prefix == 'B' || prefix == 'O')) {
      return true;
    }
    return prevPrefix != 'O' && !prevType.equals(type);
  }

  // conlleval.pl: startOfChunk, restricted to the B/I/O alphabet.
  static boolean startOfChunk(char prevPrefix, char prefix, String prevType, String type) {
    if (prefix == 'B') {
      return true;
    }
    if (prevPrefix == 'O' && prefix == 'I') {
      return true;
    }
    return prefix != 'O' && !prevType.equals(type);
  }

  private static char prefixOf(String tag, int position) {
    if (tag == null) {
      throw new IllegalArgumentException("null tag at position " + position);
    }
    if (tag.equals("O")) {
      return 'O';
    }
    if (tag.length() >= 3 && tag.charAt(1) == '-' && (tag.charAt(0) == 'B' || tag.charAt(0) == 'I')) {
      return tag.charAt(0);
    }
    throw new IllegalArgumentException(
        "invalid IOB2 tag '" + tag + "' at position " + position + ": expected O, B-TYPE or I-TYPE");
  }
}
