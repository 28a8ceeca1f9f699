package org.streambert.bert.tokenizer.internals;

import java.util.Arrays;
import java.util.List;

/**
 * A code point trie over a WordPiece vocabulary with two roots: {@link #WORD_START} holds every token as written,
 * {@link #CONTINUATION} holds the {@code ##}-prefixed tokens without their prefix. Walking it from a root while
 * remembering the last node that ends a token gives the longest vocabulary match without building any substring
 * (tokenization.py: {@code WordpieceTokenizer.tokenize} tries {@code chars[start:end]} for decreasing {@code end}).
 *
 * <p>Edges live in one open-addressing hash table keyed by {@code (node << 21) | codePoint}, so a step costs a
 * multiply, a probe or two and no allocation. Immutable after construction, hence thread-safe.
 */
public final class VocabTrie {

  /** Root for the first piece of a word. */
  public static final int WORD_START = 0;
  /** Root for the following pieces (vocabulary entries starting with the continuation prefix). */
  public static final int CONTINUATION = 1;
  /** Returned by {@link #child} when there is no edge. */
  public static final int NONE = -1;

  private static final long EMPTY = -1L;
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private final long[] keys;
  private final int[] children;
  private final int mask;
  private final int shift;
  private final int[] tokenIds;

  /**
   * Builds the trie.
   *
   * @param tokens the vocabulary in id order
   * @param continuationPrefix the prefix marking a word-internal piece, {@code ##} for BERT
   */
  public VocabTrie(List<String> tokens, String continuationPrefix) {
    int totalChars = 0;
    for (String t : tokens) {
      totalChars += t.length();
    }
    // Upper bound on nodes: two roots plus one per char of every entry (continuation entries are stored shorter).
    int maxNodes = 2 + totalChars;
    int[] ids = new int[Math.max(maxNodes, 2)];
    Arrays.fill(ids, -1);
    int capacity = Integer.highestOneBit(Math.max(4, maxNodes * 2 - 1)) << 1; // load factor <= 1/2
    long[] k = new long[capacity];
    int[] c = new int[capacity];
    Arrays.fill(k, EMPTY);
    int m = capacity - 1;
    int sh = 64 - Integer.numberOfTrailingZeros(capacity);
    int nodes = 2;
    for (int id = 0; id < tokens.size(); id++) {
      String token = tokens.get(id);
      nodes = insert(token, 0, WORD_START, id, ids, k, c, m, sh, nodes);
      if (token.length() > continuationPrefix.length() && token.startsWith(continuationPrefix)) {
        nodes = insert(token, continuationPrefix.length(), CONTINUATION, id, ids, k, c, m, sh, nodes);
      }
    }
    this.keys = k;
    this.children = c;
    this.mask = m;
    this.shift = sh;
    this.tokenIds = Arrays.copyOf(ids, nodes);
  }

  /** Adds {@code token[from:]} under {@code root}; returns the new node count. */
  private static int insert(String token, int from, int root, int id, int[] ids, long[] k, int[] c, int m, int sh,
      int nodes) {
    int node = root;
    for (int i = from; i < token.length(); ) {
      int cp = token.codePointAt(i);
      i += Character.charCount(cp);
      long key = ((long) node << 21) | cp;
      int slot = (int) ((key * GOLDEN) >>> sh);
      while (k[slot] != EMPTY && k[slot] != key) {
        slot = (slot + 1) & m;
      }
      if (k[slot] == EMPTY) {
        k[slot] = key;
        c[slot] = nodes++;
      }
      node = c[slot];
    }
    if (ids[node] < 0) { // tokens are unique; keep the first id if a caller passes duplicates anyway
      ids[node] = id;
    }
    return nodes;
  }

  /** The node reached from {@code node} by {@code codePoint}, or {@link #NONE}. */
  public int child(int node, int codePoint) {
    long key = ((long) node << 21) | codePoint;
    int slot = (int) ((key * GOLDEN) >>> shift);
    long[] k = keys;
    while (true) {
      long probe = k[slot];
      if (probe == key) {
        return children[slot];
      }
      if (probe == EMPTY) {
        return NONE;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** The vocabulary id of the entry ending at {@code node}, or -1 when no entry ends there. */
  public int tokenId(int node) {
    return tokenIds[node];
  }
}
