package org.streambert.bert.model.internals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * The CPU flags that decide precision, read once from Linux {@code /proc/cpuinfo} (the first {@code flags} line; all
 * cores of a machine report the same). No such file (another OS, a sandbox) means no flags, hence fp32.
 */
public final class CpuFeatures {
  /** The flags that mean TensorFlow's oneDNN bf16 kernels run natively. */
  public static final Set<String> BF16_FLAGS = Set.of("amx_bf16", "avx512_bf16");
  /**
   * The flags that mean oneDNN's int8 products run on an 8-bit dot-product instruction (VNNI or AMX-INT8); without one
   * they run on 16-bit multiply-adds, slower and, for u8 x s8, able to saturate.
   */
  public static final Set<String> INT8_DOT_FLAGS = Set.of("amx_int8", "avx512_vnni", "avx_vnni");
  /** Longest line read: a flags line is ~1.5 KB; anything longer is not a cpuinfo we understand. */
  private static final int MAX_LINE_CHARS = 64 * 1024;
  private static final int MAX_LINES = 200;

  private static volatile CpuFeatures local;

  private final Set<String> flags;

  private CpuFeatures(Set<String> flags) {
    this.flags = Set.copyOf(flags);
  }

  /** This machine's flags (read once). */
  public static CpuFeatures local() {
    CpuFeatures f = local;
    if (f == null) {
      f = read(Path.of("/proc/cpuinfo"));
      local = f;
    }
    return f;
  }

  /** The flags of a cpuinfo file; none when it is missing or unreadable. */
  public static CpuFeatures read(Path cpuinfo) {
    if (!Files.isReadable(cpuinfo)) {
      return new CpuFeatures(Set.of());
    }
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(Files.newInputStream(cpuinfo), StandardCharsets.US_ASCII))) {
      for (int i = 0; i < MAX_LINES; i++) {
        String line = r.readLine();
        if (line == null) {
          break;
        }
        if (line.length() <= MAX_LINE_CHARS && line.startsWith("flags")) {
          return parseFlagsLine(line);
        }
      }
    } catch (IOException | RuntimeException e) {
      // unreadable: treat as a CPU without the flags (fp32 is always correct)
    }
    return new CpuFeatures(Set.of());
  }

  /** A {@code flags\t: fpu vme ...} line. */
  static CpuFeatures parseFlagsLine(String line) {
    int colon = line.indexOf(':');
    Set<String> flags = new TreeSet<>();
    for (String f : line.substring(colon + 1).strip().split("\\s+")) {
      if (!f.isEmpty()) {
        flags.add(f);
      }
    }
    return new CpuFeatures(flags);
  }

  /** True when the CPU has AMX-BF16 or AVX512-BF16. */
  public boolean hasBf16() {
    return flags.stream().anyMatch(BF16_FLAGS::contains);
  }

  /** True when the CPU has AMX-INT8, AVX512-VNNI or AVX-VNNI. */
  public boolean hasInt8Dot() {
    return flags.stream().anyMatch(INT8_DOT_FLAGS::contains);
  }

  /** Every flag. */
  public Set<String> flags() {
    return flags;
  }
}
